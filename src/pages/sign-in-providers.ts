/** A button on /login ("Continue with …") that starts a sign-in with another provider. */
export interface SignInProvider {
  name: string;
  /** Where the button goes: a path of Warden's that starts the provider's flow (with return_to). */
  href: string;
}

/**
 * The one place the /login page takes its provider buttons from. Empty until federation with
 * other providers exists; that work only adds entries here.
 */
export function signInProviders(_returnTo: string | null): SignInProvider[] {
  return [];
}
