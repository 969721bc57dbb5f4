import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client, type HttpResult } from './support/http.js';
import { clearRedisLimits, TEST_REDIS_URL } from './support/redis.js';

/** Sends `count` requests at once; statuses in the order sent. */
async function burst(count: number, send: (i: number) => Promise<HttpResult>): Promise<number[]> {
  return (await Promise.all(Array.from({ length: count }, (_, i) => send(i)))).map((r) => r.status);
}

function expect429(res: HttpResult): void {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', request_id: expect.any(String) });
  expect(res.body.message).toMatch(/^Too many requests from this address; retry in \d+ seconds$/);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

/** Windows in each instance's memory, or in Redis (shared by the instances) when REDIS_URL is set. */
const stores: Array<[string, Record<string, string>]> = [
  ['memory', {}],
  ...(TEST_REDIS_URL ? [['Redis', { REDIS_URL: TEST_REDIS_URL }] as [string, Record<string, string>]] : []),
];

describe.each(stores)('per-IP rate limits, RATE_LIMIT_ENABLED=true (%s)', (store, env) => {
  let t: TestApp;
  let http: Client;
  let proxied: TestApp;
  let viaProxy: Client;

  beforeAll(async () => {
    await resetDatabase();
    await clearRedisLimits(env.REDIS_URL);
    // Two instances on one database: `t`, and `proxied`, which believes X-Forwarded-For.
    t = await startApp({ RATE_LIMIT_ENABLED: 'true', ...env });
    proxied = await startApp({ RATE_LIMIT_ENABLED: 'true', TRUST_PROXY: 'true', ...env });
    http = client(t.url);
    viaProxy = client(proxied.url);
  });
  afterAll(async () => {
    await t.close();
    await proxied.close();
  });

  it('refuses the 31st registration within a minute from one IP with 429 and Retry-After', async () => {
    for (let i = 1; i <= 30; i++) {
      const res = await http.post('/auth/register', { json: { email: `burst${i}@example.com`, password: PASSWORD } });
      expect({ i, status: res.status }).toEqual({ i, status: 201 });
    }
    const refused = await http.post('/auth/register', { json: { email: 'burst31@example.com', password: PASSWORD } });
    expect429(refused);
    expect(await t.dataSource.query(`SELECT 1 FROM users WHERE email = 'burst31@example.com'`)).toEqual([]);
    // Counted per route: the other limited routes still answer this address.
    expect((await http.post('/auth/forgot-password', { json: { email: 'burst1@example.com' } })).status).toBe(202);
    // Unlimited routes are not counted at all.
    expect((await http.get('/health/live')).status).toBe(200);
  });

  it('answers the token endpoint in the RFC 6749 shape', async () => {
    const statuses = await burst(30, () =>
      http.post('/auth/token', { form: { grant_type: 'refresh_token', refresh_token: 'junk' } }),
    );
    expect(statuses).toEqual(Array(30).fill(400));
    const refused = await http.post('/auth/token', { form: { grant_type: 'password', username: 'a', password: 'b' } });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'too_many_requests', error_description: expect.stringMatching(/retry in/) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  // On the proxied app, one client address per route, so the earlier tests' counts do not interfere.
  it.each([
    ['/auth/login', '10.0.0.1', { email: 'x@example.com' }],
    ['/auth/forgot-password', '10.0.0.2', { email: 'not an email' }],
    ['/auth/verify-email', '10.0.0.3', { email: 'x@example.com' }],
    ['/auth/verify-email/resend', '10.0.0.4', { email: 'not an email' }],
  ])('limits %s (malformed requests count too)', async (path, ip, json) => {
    const from = (address: string) => ({ origin: 'http://localhost:3000', 'x-forwarded-for': address });
    const statuses = await burst(30, () => viaProxy.post(path, { json, headers: from(ip) }));
    expect(statuses.every((s) => s !== 429)).toBe(true);
    expect429(await viaProxy.post(path, { json, headers: from(ip) }));
    // Another client address has its own count.
    expect((await viaProxy.post(path, { json, headers: from('10.9.9.9') })).status).not.toBe(429);
  });

  it('believes X-Forwarded-For only with TRUST_PROXY: a spoofed header does not escape the limit', async () => {
    const statuses = await burst(31, (i) =>
      http.post('/auth/verify-email/resend', { json: { email: 'no' }, headers: { 'x-forwarded-for': `10.2.0.${i}` } }),
    );
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
  });

  it(
    store === 'Redis'
      ? 'counts one client across instances: the address refused on one is refused on the other'
      : 'counts per instance without Redis: the address refused on one is not refused on the other',
    async () => {
      // 127.0.0.1 used up its 30 registrations on `t` in the first test; `proxied` sees it too
      // (no X-Forwarded-For sent).
      const res = await viaProxy.post('/auth/register', { json: { email: 'not an email', password: PASSWORD } });
      if (store === 'Redis') expect429(res);
      else expect(res.status).toBe(400);
    },
  );
});

describe('RATE_LIMIT_ENABLED=false', () => {
  let t: TestApp;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ RATE_LIMIT_ENABLED: 'false', LOGIN_MAX_FAILURES: '3' });
  });
  afterAll(() => t.close());

  it('switches the per-IP limits off but keeps the per-account back-off', async () => {
    const http = client(t.url);
    const statuses = await burst(40, () =>
      http.post('/auth/token', { form: { grant_type: 'refresh_token', refresh_token: 'junk' } }),
    );
    expect(statuses).toEqual(Array(40).fill(400));
    const attempts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await http.post('/auth/token', {
        form: { grant_type: 'password', username: 'ghost@example.com', password: 'wrong password' },
      });
      attempts.push(res.status);
    }
    expect(attempts).toEqual([400, 400, 400, 429]);
  });
});
