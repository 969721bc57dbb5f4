import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { type CeremonyTweaks, SoftAuthenticator } from './support/webauthn-authenticator.js';

// The software authenticator of the passkey tests, checked against the library the server
// uses: what it makes by default verifies, and each tweak breaks exactly the check it targets.
const ORIGIN = 'http://localhost:3000';
const RP_ID = 'localhost';

async function registered(tweaks: CeremonyTweaks = {}) {
  const authenticator = new SoftAuthenticator(ORIGIN);
  const options = await generateRegistrationOptions({
    rpName: 'Warden',
    rpID: RP_ID,
    userName: 'alice@example.com',
    userID: new Uint8Array(32).fill(7),
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  const response = authenticator.create(options, tweaks);
  const verify = () =>
    verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      requireUserVerification: true,
    });
  return { authenticator, options, response, verify };
}

async function signedIn(tweaks: CeremonyTweaks, counter = 0) {
  const { authenticator, verify } = await registered();
  const { registrationInfo } = await verify();
  const credential: WebAuthnCredential = { ...registrationInfo!.credential, counter };
  const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'required' });
  const response = authenticator.get(options, tweaks);
  return verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification: true,
  });
}

describe('software WebAuthn authenticator', () => {
  it('makes a none-attestation registration that @simplewebauthn/server verifies', async () => {
    const { response, verify, options } = await registered();
    const result = await verify();
    expect(result.verified).toBe(true);
    expect(result.registrationInfo!.fmt).toBe('none');
    expect(result.registrationInfo!.credential.id).toBe(response.id);
    expect(result.registrationInfo!.userVerified).toBe(true);
    expect(result.registrationInfo!.credentialBackedUp).toBe(true);
    expect(result.registrationInfo!.credentialDeviceType).toBe('multiDevice');
    expect(options.user.id).toBe(Buffer.alloc(32, 7).toString('base64url'));
  });

  it('makes an assertion that verifies with the registered key and a growing counter', async () => {
    const result = await signedIn({});
    expect(result.verified).toBe(true);
    expect(result.authenticationInfo.newCounter).toBe(1);
  });

  it.each<[string, CeremonyTweaks, RegExp]>([
    ['a wrong origin', { origin: 'https://evil.example' }, /origin/i],
    ['a wrong RP ID', { rpId: 'evil.example' }, /RP ID/i],
    ['no UV flag', { withoutUserVerification: true }, /user verification/i],
    ['no UP flag', { withoutUserPresence: true }, /user presence/i],
    ['a wrong ceremony type', { type: 'webauthn.get' }, /type/i],
    ['another challenge', { challenge: Buffer.alloc(32, 1).toString('base64url') }, /challenge/i],
  ])('makes a registration with %s that fails verification', async (_name, tweaks, reason) => {
    const { verify } = await registered(tweaks);
    await expect(verify()).rejects.toThrow(reason);
  });

  it.each<[string, CeremonyTweaks, RegExp]>([
    ['a wrong origin', { origin: 'https://evil.example' }, /origin/i],
    ['a wrong RP ID', { rpId: 'evil.example' }, /RP ID/i],
    ['no UV flag', { withoutUserVerification: true }, /user verification/i],
    ['a wrong ceremony type', { type: 'webauthn.create' }, /type/i],
  ])('makes an assertion with %s that fails verification', async (_name, tweaks, reason) => {
    await expect(signedIn(tweaks)).rejects.toThrow(reason);
  });

  it('makes a tampered signature that does not verify', async () => {
    const result = await signedIn({ tamperSignature: true });
    expect(result.verified).toBe(false);
  });

  it('makes a counter that does not grow, which the library refuses', async () => {
    await expect(signedIn({ counter: 5 }, 5)).rejects.toThrow(/counter/i);
  });
});
