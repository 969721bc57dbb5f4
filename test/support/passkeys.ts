import type { Client, HttpResult } from './http.js';
import { type CeremonyTweaks, SoftAuthenticator, type SoftCredential } from './webauthn-authenticator.js';

/** The origin of the test apps' APP_URL (and so the default WEBAUTHN_ORIGINS; RP ID localhost). */
export const PASSKEY_ORIGIN = 'http://localhost:3000';

export const PASSKEY_GRANT = 'urn:warden:params:oauth:grant-type:passkey';

/** Runs the registration ceremony with `authenticator`; answers the registration response. */
export async function registerPasskey(
  http: Client,
  token: string,
  authenticator: SoftAuthenticator,
  options: { name?: string; tweaks?: CeremonyTweaks } = {},
): Promise<HttpResult> {
  const started = await http.post('/auth/passkeys/registration/options', { token, json: {} });
  if (started.status !== 200) throw new Error(`registration options: ${started.status} ${started.text}`);
  const credential = authenticator.create(started.body.options, options.tweaks);
  return http.post('/auth/passkeys/registration', {
    token,
    json: { challenge_id: started.body.challenge_id, credential, ...(options.name ? { name: options.name } : {}) },
  });
}

/** Login options, then an assertion made by `authenticator` (with `tweaks`). */
export async function passkeyAssertion(
  http: Client,
  authenticator: SoftAuthenticator,
  tweaks: CeremonyTweaks = {},
  credential?: SoftCredential,
) {
  const started = await http.post('/auth/passkeys/authentication/options', { json: {} });
  if (started.status !== 200) throw new Error(`authentication options: ${started.status} ${started.text}`);
  return {
    challengeId: started.body.challenge_id as string,
    credential: authenticator.get(started.body.options, tweaks, credential),
  };
}

/** The bearer passkey login with a given challenge and assertion. */
export function passkeyGrant(http: Client, challengeId: string, credential: unknown, scope?: string) {
  return http.post('/auth/token', {
    form: {
      grant_type: PASSKEY_GRANT,
      challenge_id: challengeId,
      credential: JSON.stringify(credential),
      ...(scope ? { scope } : {}),
    },
  });
}

/** A passkey login from scratch: options, assertion, grant. */
export async function signInWithPasskey(
  http: Client,
  authenticator: SoftAuthenticator,
  tweaks: CeremonyTweaks = {},
): Promise<HttpResult> {
  const { challengeId, credential } = await passkeyAssertion(http, authenticator, tweaks);
  return passkeyGrant(http, challengeId, credential);
}
