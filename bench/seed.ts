import { formBody, FORM_HEADERS } from './load.js';

export const BENCH_PASSWORD = 'correct horse battery staple';

export interface Seeded {
  emails: string[];
  /** One access token per user (its own session). */
  accessTokens: string[];
  /** One refresh token per user, each of a separate session from the access tokens'. */
  refreshTokens: string[];
  /** GET /users/me bodies by user id: what the minimal server answers. */
  users: Record<string, unknown>;
}

interface TokenPair {
  access_token: string;
  refresh_token: string;
}

async function inBatches<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return results;
}

export async function passwordGrant(base: string, email: string): Promise<TokenPair> {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: FORM_HEADERS,
    body: formBody({ grant_type: 'password', username: email, password: BENCH_PASSWORD }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`password grant for ${email}: ${res.status} ${text}`);
  return JSON.parse(text) as TokenPair;
}

/** Registers `count` users through the API and logs each in twice (one session for reads, one for refresh chains). */
export async function seedUsers(base: string, runId: string, count: number): Promise<Seeded> {
  const emails = Array.from({ length: count }, (_, i) => `bench-${runId}-${i}@bench.example`);
  await inBatches(count, 4, async (i) => {
    const res = await fetch(`${base}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: emails[i], password: BENCH_PASSWORD, display_name: `Bench user ${i}` }),
    });
    if (res.status !== 201) throw new Error(`register ${emails[i]}: ${res.status} ${await res.text()}`);
  });
  const reads = await inBatches(count, 4, (i) => passwordGrant(base, emails[i]));
  const chains = await inBatches(count, 4, (i) => passwordGrant(base, emails[i]));
  const users: Record<string, unknown> = {};
  await inBatches(count, 4, async (i) => {
    const res = await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${reads[i].access_token}` } });
    if (res.status !== 200) throw new Error(`GET /users/me for ${emails[i]}: ${res.status} ${await res.text()}`);
    const user = (await res.json()) as { id: string };
    users[user.id] = user;
  });
  return {
    emails,
    accessTokens: reads.map((r) => r.access_token),
    refreshTokens: chains.map((r) => r.refresh_token),
    users,
  };
}

/** One request of the scenario before the load: false when the feature answers an error (e.g. a grant not built yet). */
export async function warmUpRefresh(base: string, email: string): Promise<{ ok: boolean; detail: string }> {
  const { refresh_token } = await passwordGrant(base, email);
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: FORM_HEADERS,
    body: formBody({ grant_type: 'refresh_token', refresh_token }),
  });
  const text = await res.text();
  return { ok: res.status === 200, detail: `${res.status} ${text.slice(0, 200)}` };
}
