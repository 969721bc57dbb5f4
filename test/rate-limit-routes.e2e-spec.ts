import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { clearRedisLimits, TEST_REDIS_URL } from './support/redis.js';

const ORIGIN = { origin: 'http://localhost:3000' };

const stores: Array<[string, Record<string, string>]> = [
  ['memory', {}],
  ...(TEST_REDIS_URL ? [['Redis', { REDIS_URL: TEST_REDIS_URL }] as [string, Record<string, string>]] : []),
];

describe.each(stores)('per-IP limits on the refresh, password re-check and MFA routes (%s)', (_store, env) => {
  let t: TestApp;
  let http: Client;
  beforeAll(async () => {
    await resetDatabase();
    await clearRedisLimits(env.REDIS_URL);
    t = await startApp({ RATE_LIMIT_ENABLED: 'true', ...env });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it.each([
    ['POST', '/auth/refresh', undefined],
    ['PUT', '/users/me/password', { current_password: 'a wrong password', new_password: 'another password 123' }],
    ['POST', '/users/me/email', { new_email: 'new@example.com', password: 'a wrong password' }],
    ['DELETE', '/users/me', { password: 'a wrong password' }],
    ['POST', '/auth/mfa/totp', {}],
    ['POST', '/auth/mfa/totp/confirm', { factor_id: '7d0c5b8e-3f41-4a2b-9c6d-1e2f3a4b5c6d', code: '123456' }],
    ['POST', '/auth/mfa/recovery-codes', {}],
    ['POST', '/auth/mfa/verify', { otp: '123456' }],
    ['POST', '/auth/login/mfa', { otp: '123456' }],
  ])('%s %s: the 31st request within a minute gets 429 with Retry-After', async (method, path, json) => {
    const send = () =>
      method === 'POST'
        ? http.post(path, { json, headers: ORIGIN })
        : method === 'PUT'
          ? http.put(path, { json, headers: ORIGIN })
          : http.delete(path, { json, headers: ORIGIN });
    for (let i = 1; i <= 30; i++) {
      const res = await send();
      expect({ i, status: res.status }).toEqual({ i, status: 401 });
    }
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(refused.body.message).toMatch(/^Too many requests from this address; retry in \d+ seconds$/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('leaves an unlimited route on a limited path alone', async () => {
    // GET /users/me shares its path with the limited DELETE, which is used up above.
    expect((await http.get('/users/me')).status).toBe(401);
  });
});
