import type { components } from './openapi.js';

/** A second factor as the user types it: a TOTP code or one of the recovery codes. */
export type SecondFactorCode = { otp: string } | { recovery_code: string };

/** One of the user's passkeys as the second step (the client runs the WebAuthn ceremony). */
export interface PasskeyFactor {
  passkey: true;
}

/** What `completeMfa` and `stepUp` take: a code, or `{ passkey: true }`. */
export type SecondFactor = SecondFactorCode | PasskeyFactor;

/** Warden wants a second factor before it opens a session: call `completeMfa` with a code. */
export interface MfaRequired {
  /** What this user can answer with: `totp`, `recovery_code`, and `passkey` when they have one. */
  methods: components['schemas']['MfaRequiredLoginDto']['mfa_methods'];
}

/**
 * Why a code was not accepted.
 * - `wrong_code`: try another; `attemptsLeft` is how many the pending sign-in still allows.
 * - `sign_in_again`: the pending sign-in is over (5 wrong codes, expired, or never started): log in again.
 * - `rejected`: anything else Warden answered (429 back-off with `retryAfter`, 400, 403), as it came.
 */
export type SecondFactorError =
  | { reason: 'wrong_code'; message: string; status: number; attemptsLeft?: number }
  | { reason: 'sign_in_again'; message: string; status?: number }
  | { reason: 'rejected'; message: string; status: number; retryAfter?: number };

/** Codes one mfa_token allows: the fifth wrong one ends it on Warden's side. */
export const MFA_ATTEMPTS = 5;

export const SIGN_IN_AGAIN = 'The second step is over (too many wrong codes, expired or not started): sign in again';

/**
 * RFC 9470: the route needs a stronger authentication of the session than it has. A refresh
 * cannot fix this (the new token has the same level); `stepUp` with a second factor can.
 */
export class StepUpRequiredError extends Error {
  override readonly name = 'StepUpRequiredError';

  constructor(
    /** The levels that would do, from the challenge's `acr_values` (Warden asks `aal2`). */
    readonly acrValues: string[],
    readonly description: string,
    /** The 401 as it came (its body not read). */
    readonly response: Response,
  ) {
    super(description);
  }
}

/** The RFC 9470 challenge of a 401, if that is what it is. */
export function stepUpChallenge(response: Response): StepUpRequiredError | null {
  if (response.status !== 401) return null;
  const header = response.headers.get('www-authenticate') ?? '';
  const params = challengeParams(header);
  if (params.get('error') !== 'insufficient_user_authentication') return null;
  const acrValues = (params.get('acr_values') ?? '').split(' ').filter(Boolean);
  return new StepUpRequiredError(
    acrValues,
    params.get('error_description') ?? 'A stronger sign-in is needed',
    response,
  );
}

/** The auth-params of a `Bearer k="v", …` challenge (quoted strings, RFC 9110 §11.2). */
function challengeParams(header: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const match of header.matchAll(/([A-Za-z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params.set(match[1].toLowerCase(), match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]);
  }
  return params;
}

/** The Retry-After of a 429 (seconds), when Warden sent one. */
export function retryAfterOf(response: Response): number | undefined {
  const value = Number(response.headers.get('retry-after'));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Counts the wrong codes of one pending sign-in, so the client can say when to start again. */
export class PendingSecondStep {
  private wrong = 0;

  /** A wrong code: the error to show, `sign_in_again` once the attempts are used up. */
  failed(message: string, status: number): SecondFactorError {
    this.wrong++;
    const attemptsLeft = MFA_ATTEMPTS - this.wrong;
    if (attemptsLeft <= 0) return { reason: 'sign_in_again', message: SIGN_IN_AGAIN, status };
    return { reason: 'wrong_code', message, status, attemptsLeft };
  }
}

/** The message of Warden's error body, as one line. */
export function messageOf(error: components['schemas']['ErrorResponseDto'] | undefined, status: number): string {
  if (!error) return `Warden answered ${status}`;
  return Array.isArray(error.message) ? error.message.join('; ') : error.message;
}

/** The body of a second-factor request: exactly one of the two fields. */
export function codeBody(code: SecondFactorCode): { otp: string } | { recovery_code: string } {
  return 'otp' in code ? { otp: code.otp } : { recovery_code: code.recovery_code };
}
