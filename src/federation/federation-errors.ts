/**
 * Why a sign-in at another provider failed: the code travels in the /login redirect
 * (`/login?error=<code>`), the page shows the message. Only these codes are shown; anything else
 * in `error` is ignored (nothing from the URL is reflected).
 */
export const FEDERATION_ERRORS = {
  provider_denied: 'The sign-in was cancelled or refused at the provider.',
  provider_unavailable: 'The provider cannot be reached right now. Try again in a moment.',
  provider_failed: 'The provider’s answer could not be verified. Try again.',
  bad_state: 'That sign-in link has expired or was already used. Start again.',
  email_taken:
    'An account with this email address already exists. Sign in to it another way, then link the provider on your account page.',
  no_email: 'The provider did not give an email address for this account.',
  identity_taken: 'That provider account is already linked to another Warden account.',
  already_linked: 'Your account is already linked to another account at that provider. Unlink it first.',
  disabled: 'This account is disabled.',
  unverified: 'Your email address is not verified yet.',
  throttled: 'Too many failed sign-in attempts. Try again later.',
  unavailable: 'Signing in is temporarily unavailable. Try again in a few seconds.',
} as const;

export type FederationErrorCode = keyof typeof FEDERATION_ERRORS;

/** A federated sign-in that must end on the login page with `code`. */
export class FederationFailure extends Error {
  constructor(
    readonly code: FederationErrorCode,
    readonly returnTo: string | null = null,
    /** A linking from a signed-in account (it goes back to /account, not to /login). */
    readonly link = false,
  ) {
    super(code);
  }
}

export function federationErrorMessage(code: unknown): string | undefined {
  return typeof code === 'string' && Object.hasOwn(FEDERATION_ERRORS, code)
    ? FEDERATION_ERRORS[code as FederationErrorCode]
    : undefined;
}
