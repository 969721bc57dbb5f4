/** A button on /login ("Continue with …") that starts a sign-in with another provider. */
export interface SignInProvider {
  name: string;
  /** Where the button goes: a path of Warden's that starts the provider's flow (with return_to). */
  href: string;
}

/**
 * The one place the /login page takes its provider buttons from: one per entry of
 * AUTH_PROVIDERS, each starting that provider's flow (src/federation) with the page's return_to.
 */
export function signInProviders(
  returnTo: string | null,
  providers: ReadonlyArray<{ id: string; name: string }> = [],
): SignInProvider[] {
  const query = returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : '';
  return providers.map((provider) => ({
    name: provider.name,
    href: `/auth/providers/${encodeURIComponent(provider.id)}/start${query}`,
  }));
}
