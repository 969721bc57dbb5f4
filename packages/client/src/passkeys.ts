import {
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';
import type { Client } from 'openapi-fetch';
import type { components, paths } from './openapi.js';
import { messageOf } from './second-factor.js';

/**
 * The two browser ceremonies, as `@simplewebauthn/browser` exports them (the default). They call
 * `navigator.credentials.create()` / `get()`; pass your own to run them elsewhere (a test's
 * software authenticator, a native bridge).
 */
export interface PasskeyCeremonies {
  startRegistration(args: { optionsJSON: PublicKeyCredentialCreationOptionsJSON }): Promise<RegistrationResponseJSON>;
  startAuthentication(args: {
    optionsJSON: PublicKeyCredentialRequestOptionsJSON;
  }): Promise<AuthenticationResponseJSON>;
}

export const BROWSER_CEREMONIES: PasskeyCeremonies = { startRegistration, startAuthentication };

export type Passkey = components['schemas']['PasskeyDto'];
type ErrorResponse = components['schemas']['ErrorResponseDto'];

export type PasskeyRegistrationResult =
  | { passkey: Passkey; error?: undefined; status?: undefined }
  | { error: ErrorResponse; status: number; passkey?: undefined };

/** Warden refused to start a ceremony (404: passkeys are off on this server; 429: too many requests). */
export class PasskeyOptionsError extends Error {
  override readonly name = 'PasskeyOptionsError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The WebAuthn JSON forms are plain JSON objects; the OpenAPI document types them as such. */
const asJsonObject = (value: object) => value as { [key: string]: unknown };

/**
 * A login assertion: Warden's authentication options (a challenge that works once, no
 * allowCredentials: the browser offers the user's passkeys for this site), then the ceremony.
 */
export async function passkeyAssertion(
  client: Client<paths>,
  ceremonies: PasskeyCeremonies,
): Promise<{ challenge_id: string; credential: AuthenticationResponseJSON }> {
  const { data, error, response } = await client.POST('/auth/passkeys/authentication/options', { body: {} });
  if (!data) throw new PasskeyOptionsError(response.status, messageOf(error, response.status));
  const credential = await ceremonies.startAuthentication({
    optionsJSON: data.options as unknown as PublicKeyCredentialRequestOptionsJSON,
  });
  return { challenge_id: data.challenge_id, credential };
}

/** The body of `/auth/login/passkey`, `/auth/login/mfa` and `/auth/mfa/verify` for an assertion. */
export function passkeyBody(assertion: { challenge_id: string; credential: AuthenticationResponseJSON }) {
  return { challenge_id: assertion.challenge_id, credential: asJsonObject(assertion.credential) };
}

/**
 * Registers a passkey for the signed-in user through `client` (bearer or cookies): creation
 * options, the ceremony, the registration. A 401 step-up challenge (MFA on, session not `aal2`)
 * rejects with `StepUpRequiredError` from the client.
 */
export async function registerPasskeyWith(
  client: Client<paths>,
  ceremonies: PasskeyCeremonies,
  name?: string,
): Promise<PasskeyRegistrationResult> {
  const started = await client.POST('/auth/passkeys/registration/options', {});
  if (!started.data) return { error: started.error, status: started.response.status };
  const credential = await ceremonies.startRegistration({
    optionsJSON: started.data.options as unknown as PublicKeyCredentialCreationOptionsJSON,
  });
  const { data, error, response } = await client.POST('/auth/passkeys/registration', {
    body: { challenge_id: started.data.challenge_id, credential: asJsonObject(credential), ...(name ? { name } : {}) },
  });
  if (!data) return { error: error, status: response.status };
  return { passkey: data };
}
