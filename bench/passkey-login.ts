import { type Request } from 'autocannon';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
// The tests' software authenticator (ES256, P-256): the same ceremonies a platform authenticator makes.
import { SoftAuthenticator } from '../test/support/webauthn-authenticator.js';
import { FORM_HEADERS, formBody, type LoadFigures } from './load.js';
import { BENCH_PASSWORD, passwordGrant } from './seed.js';

export const PASSKEY_GRANT = 'urn:warden:params:oauth:grant-type:passkey';
/** The RP the bench server is configured with (WEBAUTHN_RP_ID / WEBAUTHN_ORIGINS); no browser is involved. */
export const BENCH_RP_ID = 'localhost';
export const BENCH_PASSKEY_ORIGIN = 'http://localhost:3000';

/** A user with one passkey held by its own software authenticator. */
export interface PasskeyUser {
  email: string;
  authenticator: SoftAuthenticator;
}

async function post(base: string, path: string, token: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Registers `count` users, each with one passkey, through the API (password session, options, registration). */
export async function seedPasskeyUsers(base: string, runId: string, count: number): Promise<PasskeyUser[]> {
  const users: PasskeyUser[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const email = `bench-pk-${runId}-${next++}@bench.example`;
      const res = await fetch(`${base}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: BENCH_PASSWORD }),
      });
      if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${await res.text()}`);
      const { access_token } = await passwordGrant(base, email);
      const started = await post(base, '/auth/passkeys/registration/options', access_token, {});
      const authenticator = new SoftAuthenticator(BENCH_PASSKEY_ORIGIN);
      const credential = authenticator.create(started.options as never);
      await post(base, '/auth/passkeys/registration', access_token, { challenge_id: started.challenge_id, credential });
      users.push({ email, authenticator });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return users;
}

/** What the passkey logins answered, counted as they come in. */
export interface PasskeyLoginCounts {
  /** Authentication options answered 200 (each a fresh single-use challenge). */
  challenged: number;
  /** Passkey grants that answered 200: finished logins. */
  completed: number;
}

/**
 * One user (and so one credential, whose counter must grow) per connection; each loop is one
 * login: POST /auth/passkeys/authentication/options (a new challenge), then the assertion over
 * it, signed in this process, and the passkey grant. Challenges work once, so nothing can be
 * signed ahead: the signing happens between the two requests, on the load generator's CPU.
 */
export function passkeyLoginRequests(users: PasskeyUser[], counts: PasskeyLoginCounts): (i: number) => Request[] {
  return (i) => {
    if (i >= users.length) throw new Error(`passkey scenario: no user for connection ${i}`);
    const { authenticator } = users[i];
    let started: { challenge_id: string; options: PublicKeyCredentialRequestOptionsJSON } | null = null;
    return [
      {
        method: 'POST',
        path: '/auth/passkeys/authentication/options',
        headers: { 'content-type': 'application/json' },
        body: '{}',
        onResponse: (status, body) => {
          started = null;
          if (status !== 200) return;
          started = JSON.parse(body) as typeof started;
          counts.challenged++;
        },
      },
      {
        method: 'POST',
        path: '/auth/token',
        headers: FORM_HEADERS,
        setupRequest: (request) => ({
          ...request,
          body: formBody({
            grant_type: PASSKEY_GRANT,
            challenge_id: started?.challenge_id ?? '',
            credential: started ? JSON.stringify(authenticator.get(started.options)) : '',
          }),
        }),
        onResponse: (status) => {
          if (status === 200) counts.completed++;
        },
      },
    ];
  };
}

/**
 * The scenario's figures in login terms: one finished login (options + grant) is one success, so
 * req/s are logins/s and the server CPU per "request" is per login; latencies stay per request.
 */
export function asPasskeyLogins(figures: LoadFigures, counts: PasskeyLoginCounts): LoadFigures {
  const errors = figures.errors;
  const attempts = counts.completed + errors;
  return {
    ...figures,
    req_per_s: counts.completed / figures.duration_s,
    requests: attempts,
    errors,
    error_rate: attempts === 0 ? 1 : errors / attempts,
  };
}
