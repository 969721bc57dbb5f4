import { Secret, TOTP } from 'otpauth';
import { call, expectStatus } from './http.js';

export type Role = 'user' | 'admin';

export interface CreateUserOptions {
  /** Default: a unique `user-<n>-<random>@example.test`. */
  email?: string;
  /** Default: a random password that passes the password policy. */
  password?: string;
  /** Email verified (default true). */
  verified?: boolean;
  /** Default `['user']`; `user` is always held. */
  roles?: Role[];
  /** Disabled account: it cannot sign in (default false). */
  disabled?: boolean;
  /** `'totp'`: a confirmed authenticator, enrolled through the API; sign-ins then need a code. */
  mfa?: 'totp';
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  roles: Role[];
  verified: boolean;
  disabled: boolean;
  /** With `mfa: 'totp'`: the authenticator's base32 secret. */
  totpSecret?: string;
  /** With `mfa: 'totp'`: the ten recovery codes. */
  recoveryCodes?: string[];
  /**
   * With `mfa: 'totp'`: a code Warden accepts now. Warden takes each 30-second step once (and no
   * earlier one after it), and the previous, current and next step: up to three codes per
   * 30 s, after that advance `warden.clock` by 30 s.
   */
  totp?: () => string;
}

export interface TokenOptions {
  /** Space-separated scopes to ask for (default: what the token endpoint grants without one). */
  scope?: string;
}

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  [name: string]: unknown;
}

const STEP_MS = 30_000;

/** A TOTP generator that never hands out a step Warden already took from it (`lastStep()`: the last one). */
export function totpGenerator(secret: string, lastStep = -Infinity): (() => string) & { lastStep(): number } {
  const key = Secret.fromBase32(secret);
  const next = () => {
    const now = Math.floor(Date.now() / STEP_MS);
    const step = Math.max(now - 1, lastStep + 1);
    if (step > now + 1) {
      throw new Error('totp(): three codes used in this 30-second window; await warden.clock.advance(30_000) first');
    }
    lastStep = step;
    return TOTP.generate({ secret: key, timestamp: step * STEP_MS });
  };
  return Object.assign(next, { lastStep: () => lastStep });
}

/** Password grant, then the TOTP step when Warden asks for it. */
export async function passwordLogin(base: string, user: TestUser, options: TokenOptions = {}): Promise<TokenResponse> {
  const first = await call(base, 'POST', '/auth/token', {
    form: {
      grant_type: 'password',
      username: user.email,
      password: user.password,
      ...(options.scope ? { scope: options.scope } : {}),
    },
  });
  if (first.status === 400 && first.body.error === 'mfa_required') {
    if (!user.totp) throw new Error(`tokenFor: ${user.email} has two-factor authentication on but no totp()`);
    const second = await call(base, 'POST', '/auth/token', {
      form: {
        grant_type: 'urn:warden:params:oauth:grant-type:mfa-otp',
        mfa_token: String(first.body.mfa_token),
        otp: user.totp(),
      },
    });
    return expectStatus(second, 200, `tokenFor(${user.email}): the TOTP step`).body as TokenResponse;
  }
  return expectStatus(first, 200, `tokenFor(${user.email})`).body as TokenResponse;
}

/** Enrols and confirms a TOTP authenticator through the API with `accessToken` (the user's own). */
export async function enrolTotp(
  base: string,
  accessToken: string,
): Promise<{ secret: string; recoveryCodes: string[]; totp: () => string }> {
  const started = expectStatus(
    await call(base, 'POST', '/auth/mfa/totp', { token: accessToken, json: {} }),
    201,
    'createUser: TOTP enrolment',
  );
  const secret = String(started.body.secret);
  const totp = totpGenerator(secret);
  const confirmed = expectStatus(
    await call(base, 'POST', '/auth/mfa/totp/confirm', {
      token: accessToken,
      json: { factor_id: started.body.factor_id, code: totp() },
    }),
    200,
    'createUser: TOTP confirmation',
  );
  return { secret, recoveryCodes: confirmed.body.recovery_codes as string[], totp };
}

/** Raises the session of `accessToken` to aal2 with a TOTP code (POST /auth/mfa/verify): the new tokens. */
export async function stepUp(base: string, user: TestUser, accessToken: string): Promise<TokenResponse> {
  if (!user.totp) throw new Error(`stepUp: ${user.email} has no TOTP authenticator (createUser({ mfa: 'totp' }))`);
  const answer = await call(base, 'POST', '/auth/mfa/verify', { token: accessToken, form: { otp: user.totp() } });
  return expectStatus(answer, 200, `stepUp(${user.email})`).body as TokenResponse;
}
