import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, TEST_DATABASE_URL, type TestApp } from './support/app.js';
import { client, type Client, type HttpResult } from './support/http.js';
import { clearRedisLimits, TEST_REDIS_URL } from './support/redis.js';
const WRONG = 'not the password at all';

/** The counters live in Postgres (or PGlite) by default, in Redis when REDIS_URL is set. */
const stores: Array<[string, Record<string, string>]> = [
  [TEST_DATABASE_URL ? 'Postgres' : 'PGlite', {}],
  ...(TEST_REDIS_URL ? [['Redis', { REDIS_URL: TEST_REDIS_URL }] as [string, Record<string, string>]] : []),
];

/** Password grant, optionally from another client address (the apps trust X-Forwarded-For). */
function tokenAttempt(http: Client, username: string, password: string, ip?: string): Promise<HttpResult> {
  return http.post('/auth/token', {
    form: { grant_type: 'password', username, password },
    headers: ip ? { 'x-forwarded-for': ip } : {},
  });
}

function browserAttempt(http: Client, email: string, password: string, ip?: string): Promise<HttpResult> {
  return http.post('/auth/login', {
    json: { email, password },
    headers: { origin: 'http://localhost:3000', ...(ip ? { 'x-forwarded-for': ip } : {}) },
  });
}

function expectOAuth429(res: HttpResult, maxWait = 60): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({ error: 'too_many_requests', error_description: expect.stringMatching(/try again/) });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxWait);
}

describe.each(stores)('per-account login back-off (%s)', (_store, env) => {
  let a: TestApp;
  let b: TestApp;
  let httpA: Client;
  let httpB: Client;
  let n = 0;
  // Each test gets its own IP (TRUST_PROXY): counters never leak from one test into the next.
  let ip = '';

  async function account(prefix: string): Promise<string> {
    const email = `${prefix}${++n}@example.com`;
    const res = await httpA.post('/auth/register', { json: { email, password: PASSWORD, username: `${prefix}${n}` } });
    expect(res.status).toBe(201);
    return email;
  }

  beforeAll(async () => {
    await resetDatabase();
    await clearRedisLimits(env.REDIS_URL);
    // Two instances on one database (and one Redis): the counters must hold across them.
    a = await startApp({ ...env, TRUST_PROXY: 'true' });
    b = await startApp({ ...env, TRUST_PROXY: 'true' });
    httpA = client(a.url);
    httpB = client(b.url);
  });
  beforeEach(() => {
    ip = `198.51.100.${++n % 250}`;
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('answers 429 with Retry-After to the 6th wrong password, and to the right one during the wait', async () => {
    const email = await account('lock');
    for (let i = 1; i <= 5; i++) {
      const res = await tokenAttempt(httpA, email, WRONG, ip);
      expect({ attempt: i, status: res.status, error: res.body.error }).toEqual({
        attempt: i,
        status: 400,
        error: 'invalid_grant',
      });
    }
    const sixth = await tokenAttempt(httpA, email, WRONG, ip);
    expectOAuth429(sixth);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThanOrEqual(55);
    expect(sixth.headers.get('cache-control')).toBe('no-store');
    expectOAuth429(await tokenAttempt(httpA, email, PASSWORD, ip));

    // The cookie login shares the lock and answers in the contract's error shape.
    const browser = await browserAttempt(httpA, email, PASSWORD, ip);
    expect(browser.status).toBe(429);
    expect(browser.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(browser.body.message).toMatch(/try again in \d+ seconds/);
    expect(Number(browser.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('holds when the attempts alternate between two instances', async () => {
    const email = await account('alt');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await tokenAttempt(i % 2 ? httpB : httpA, email, WRONG, ip)).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400]);
    expectOAuth429(await tokenAttempt(httpB, email, WRONG, ip));
    expectOAuth429(await tokenAttempt(httpA, email, PASSWORD, ip));
    expect((await browserAttempt(httpB, email, PASSWORD, ip)).status).toBe(429);
  });

  it('counts the cookie login and the token endpoint together, per identifier as typed', async () => {
    const email = await account('mix');
    const username = `mix${n}`;
    expect((await browserAttempt(httpA, email, WRONG, ip)).status).toBe(401);
    expect((await tokenAttempt(httpB, username.toUpperCase(), WRONG, ip)).status).toBe(400);
    expect((await tokenAttempt(httpA, ` ${email.toUpperCase()} `, WRONG, ip)).status).toBe(400);
    expect((await browserAttempt(httpB, email, WRONG, ip)).status).toBe(401);
    expect((await tokenAttempt(httpA, username, WRONG, ip)).status).toBe(400);
    expect((await tokenAttempt(httpA, email, WRONG, ip)).status).toBe(400);
    expect((await browserAttempt(httpB, email, WRONG, ip)).status).toBe(401);
    // Five failures by email (in both forms and on both routes): the email waits, the username does not.
    expectOAuth429(await tokenAttempt(httpA, email, PASSWORD, ip));
    expect((await tokenAttempt(httpB, username, PASSWORD, ip)).status).toBe(200);
  });

  it('locks one IP only: the owner still signs in from another address', async () => {
    const email = await account('owner');
    for (let i = 0; i < 5; i++) await tokenAttempt(httpA, email, WRONG, ip);
    expectOAuth429(await tokenAttempt(httpA, email, PASSWORD, ip));
    expect((await tokenAttempt(httpB, email, PASSWORD, '192.0.2.200')).status).toBe(200);
    // Without X-Forwarded-For the client is 127.0.0.1, yet another address.
    expect((await tokenAttempt(httpA, email, WRONG)).status).toBe(400);
  });

  it('throttles an unknown account exactly like a known one (no enumeration)', async () => {
    const known = await account('known');
    const unknown = `nobody${n}@example.com`;
    const answers = async (username: string) => {
      const out: Array<[number, unknown]> = [];
      for (let i = 0; i < 6; i++) {
        const res = await tokenAttempt(httpA, username, WRONG, ip);
        out.push([res.status, res.body.error]);
      }
      return out;
    };
    const expected = [...Array(5).fill([400, 'invalid_grant']), [429, 'too_many_requests']];
    expect(await answers(known)).toEqual(expected);
    expect(await answers(unknown)).toEqual(expected);
  });

  it('resets the counter on success', async () => {
    const email = await account('reset');
    for (let i = 0; i < 4; i++) expect((await tokenAttempt(httpA, email, WRONG, ip)).status).toBe(400);
    expect((await tokenAttempt(httpB, email, PASSWORD, ip)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await tokenAttempt(httpA, email, WRONG, ip)).status).toBe(400);
    expect((await browserAttempt(httpA, email, PASSWORD, ip)).status).toBe(200);
    // The right password with a scope the account may not have: refused, yet the password was proven.
    for (let i = 0; i < 4; i++) expect((await tokenAttempt(httpA, email, WRONG, ip)).status).toBe(400);
    const scoped = await httpB.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD, scope: 'users:write' },
      headers: { 'x-forwarded-for': ip },
    });
    expect(scoped.body.error).toBe('invalid_scope');
    for (let i = 0; i < 4; i++) expect((await tokenAttempt(httpA, email, WRONG, ip)).status).toBe(400);
    expect((await tokenAttempt(httpA, email, PASSWORD, ip)).status).toBe(200);
  });

  it('lets no more than LOGIN_MAX_FAILURES parallel guesses through', async () => {
    const email = await account('race');
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => tokenAttempt(i % 2 ? httpB : httpA, email, WRONG, ip)),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 400)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(11);
  });

  it('stalls a distributed attack after 100 failures on one account, for every IP', async () => {
    const email = await account('spray');
    // 25 addresses × 4 failures: no address reaches its own limit of 5.
    for (let host = 1; host <= 25; host++) {
      const results = await Promise.all(
        Array.from({ length: 4 }, (_, i) => tokenAttempt(i % 2 ? httpB : httpA, email, WRONG, `203.0.113.${host}`)),
      );
      expect(results.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    }
    expectOAuth429(await tokenAttempt(httpA, email, WRONG, '203.0.113.99'));
    expectOAuth429(await tokenAttempt(httpB, email, PASSWORD, '192.0.2.99'));
    // Another account is not affected.
    const other = await account('bystander');
    expect((await tokenAttempt(httpA, other, PASSWORD, '203.0.113.99')).status).toBe(200);
  });
});

describe('back-off growth (LOGIN_BACKOFF_BASE=1s, LOGIN_BACKOFF_MAX=2s)', () => {
  let t: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ LOGIN_MAX_FAILURES: '2', LOGIN_BACKOFF_BASE: '1s', LOGIN_BACKOFF_MAX: '2s' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('doubles the wait after each failure that follows one, up to the maximum, and lets the right password in after it', async () => {
    const email = 'slow@example.com';
    expect((await http.post('/auth/register', { json: { email, password: PASSWORD } })).status).toBe(201);
    expect((await tokenAttempt(http, email, WRONG)).status).toBe(400);
    expect((await tokenAttempt(http, email, WRONG)).status).toBe(400);
    const first = await tokenAttempt(http, email, PASSWORD);
    expectOAuth429(first, 1);
    await sleep(1100);
    expect((await tokenAttempt(http, email, WRONG)).status).toBe(400);
    const second = await tokenAttempt(http, email, WRONG);
    expectOAuth429(second, 2);
    expect(Number(second.headers.get('retry-after'))).toBe(2);
    await sleep(2100);
    expect((await tokenAttempt(http, email, WRONG)).status).toBe(400);
    expect(Number((await tokenAttempt(http, email, PASSWORD)).headers.get('retry-after'))).toBe(2);
    await sleep(2100);
    expect((await tokenAttempt(http, email, PASSWORD)).status).toBe(200);
    // Success cleared the streak: the next failure starts from one again.
    expect((await tokenAttempt(http, email, WRONG)).status).toBe(400);
    expect((await tokenAttempt(http, email, PASSWORD)).status).toBe(200);
  });
});
