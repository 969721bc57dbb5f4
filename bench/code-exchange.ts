import { type Request } from 'autocannon';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { FORM_HEADERS, formBody, type LoadFigures } from './load.js';
import { BENCH_PASSWORD } from './seed.js';
import { DATABASE_URL } from './settings.js';

const REDIRECT_URI = 'http://127.0.0.1/bench-callback';

export interface MintedCode {
  code: string;
  verifier: string;
}

/**
 * A first-party public client (no consent page), registered in the bench database. Postgres
 * only: with the embedded database the server holds the data directory alone.
 */
export async function registerBenchClient(runId: string): Promise<string> {
  if (!DATABASE_URL) throw new Error('needs DATABASE_URL (the client is registered in the database)');
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO oauth_clients (name, type, redirect_uris, grant_types, scopes, first_party)
       VALUES ($1, 'public', $2::text[], '{authorization_code,refresh_token}', '{profile}', true) RETURNING id`,
      [`bench-${runId}`, [REDIRECT_URI]],
    );
    return rows[0].id;
  } finally {
    await client.end();
  }
}

export async function removeBenchClient(runId: string): Promise<void> {
  if (!DATABASE_URL) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
    await client.query('DELETE FROM oauth_clients WHERE name = $1', [`bench-${runId}`]);
  } catch (error) {
    console.error(`could not remove the bench client: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The access cookie of a browser login (POST /auth/login), the Warden browser session. */
async function browserSession(base: string, email: string): Promise<string> {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: BENCH_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`browser login ${email}: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('access_token='));
  if (!cookie) throw new Error('browser login set no access_token cookie');
  return cookie.split(';')[0];
}

/** Minting stops after this long: the first code must still be alive (60 s) when the run ends. */
const MINT_BUDGET_MS = 25_000;

/**
 * Up to `count` codes through the real authorization endpoint (GET /oauth/authorize with the
 * browser session's cookie → 302 with the code), 8 requests at a time, for at most 25 s. They
 * live 60 s: mint them right before the measured run.
 */
export async function mintCodes(
  base: string,
  clientId: string,
  emails: string[],
  count: number,
): Promise<MintedCode[]> {
  const cookies = await Promise.all(emails.slice(0, 8).map((email) => browserSession(base, email)));
  const codes: MintedCode[] = [];
  let next = 0;
  const deadline = Date.now() + MINT_BUDGET_MS;
  const worker = async (w: number) => {
    while (next < count && Date.now() < deadline) {
      next++;
      const verifier = randomBytes(32).toString('base64url');
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT_URI,
        scope: 'profile',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        state: 'bench',
      });
      const res = await fetch(`${base}/oauth/authorize?${query.toString()}`, {
        headers: { cookie: cookies[w % cookies.length] },
        redirect: 'manual',
      });
      const location = res.headers.get('location');
      const code = location ? new URL(location).searchParams.get('code') : null;
      await res.arrayBuffer();
      if (res.status !== 302 || !code) throw new Error(`authorize: ${res.status} ${location ?? ''}`);
      codes.push({ code, verifier });
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
  return codes;
}

/** What the exchanges met: codes used, and requests that found none left (the mint was too small). */
export interface ExchangeCounts {
  exchanged: number;
  exhausted: number;
}

/** Each request redeems the next unused code (grant_type=authorization_code, public client). */
export function codeExchangeRequests(
  codes: MintedCode[],
  clientId: string,
  counts: ExchangeCounts,
): (i: number) => Request[] {
  let next = 0;
  return () => [
    {
      method: 'POST',
      path: '/auth/token',
      headers: FORM_HEADERS,
      setupRequest: (request) => {
        const minted = codes[next++];
        if (!minted) counts.exhausted++;
        return {
          ...request,
          body: formBody({
            grant_type: 'authorization_code',
            code: minted?.code ?? 'exhausted',
            redirect_uri: REDIRECT_URI,
            code_verifier: minted?.verifier ?? 'x'.repeat(43),
            client_id: clientId,
          }),
        };
      },
      onResponse: (status) => {
        if (status === 200) counts.exchanged++;
      },
    },
  ];
}

/** The figures without the requests that found no code left (reported apart). */
export function asExchanges(figures: LoadFigures, counts: ExchangeCounts): LoadFigures {
  const errors = Math.max(0, figures.errors - counts.exhausted);
  const attempts = Math.max(0, figures.requests - counts.exhausted);
  return {
    ...figures,
    requests: attempts,
    errors,
    error_rate: attempts === 0 ? 1 : errors / attempts,
  };
}
