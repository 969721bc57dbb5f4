import { decodeJwt } from 'jose';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';

const SECRET = 'introspection-secret-0123456789-abcdef';

describe('POST /auth/introspect (RFC 7662)', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;
  const introspect = (form: Record<string, string>, secret = SECRET) =>
    http.post('/auth/introspect', { form, headers: { authorization: `Bearer ${secret}` } });

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ INTROSPECTION_SECRET: SECRET });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('describes a live access token', async () => {
    const { tokens, user } = await registerAndLogin(http, `intro${++n}@example.com`);
    const claims = decodeJwt(tokens.access_token);
    const res = await introspect({ token: tokens.access_token, token_type_hint: 'access_token' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      active: true,
      sub: user.id,
      sid: claims.sid,
      scope: 'profile',
      exp: claims.exp,
      iat: claims.iat,
      iss: 'http://localhost:3000',
      aud: 'warden',
      jti: claims.jti,
      token_type: 'bearer',
      email: `intro${n}@example.com`,
      roles: ['user'],
      acr: 'aal1',
      amr: ['pwd'],
      auth_time: claims.auth_time,
    });
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat!);
  });

  it("answers active:false for a revoked session's token", async () => {
    const { tokens } = await registerAndLogin(http, `intro${++n}@example.com`);
    expect((await introspect({ token: tokens.access_token })).body.active).toBe(true);
    expect((await http.post('/auth/logout', { token: tokens.access_token })).status).toBe(204);
    const res = await introspect({ token: tokens.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
    expect((await introspect({ token: tokens.refresh_token })).body).toEqual({ active: false });
  });

  it('answers a refresh token by its session: active while unused, inactive once rotated', async () => {
    const { tokens, user } = await registerAndLogin(http, `intro${++n}@example.com`);
    const live = await introspect({ token: tokens.refresh_token, token_type_hint: 'refresh_token' });
    expect(live.body).toEqual({
      active: true,
      sub: user.id,
      sid: decodeJwt(tokens.access_token).sid,
      scope: 'profile',
      exp: expect.any(Number),
      iat: expect.any(Number),
      iss: 'http://localhost:3000',
      acr: 'aal1',
      amr: ['pwd'],
      auth_time: decodeJwt(tokens.access_token).auth_time,
    });
    expect(live.body.exp - live.body.iat).toBeGreaterThanOrEqual(30 * 86400 - 5);
    await http.post('/auth/token', { form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token } });
    expect((await introspect({ token: tokens.refresh_token })).body).toEqual({ active: false });
  });

  it.each([
    ['garbage', 'garbage'],
    ['a JWT-shaped forgery', 'a.b.c'],
    ['an over-long token', 'x'.repeat(5000)],
  ])('answers active:false for %s', async (_name, token) => {
    const res = await introspect({ token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
  });

  it('answers 400 without a token parameter', async () => {
    const res = await introspect({});
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(['token is required']);
  });

  it('requires the INTROSPECTION_SECRET as a bearer credential', async () => {
    const { tokens } = await registerAndLogin(http, `intro${++n}@example.com`);
    const none = await http.post('/auth/introspect', { form: { token: tokens.access_token } });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="warden"');
    expect(none.body.statusCode).toBe(401);
    const wrong = await introspect({ token: tokens.access_token }, `${SECRET}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');
    // A user's own access token is not an introspection credential.
    const user = await introspect({ token: tokens.access_token }, tokens.access_token);
    expect(user.status).toBe(401);
  });
});

describe('POST /auth/introspect without INTROSPECTION_SECRET', () => {
  it('answers 404: the endpoint is disabled', async () => {
    await resetDatabase();
    const t = await startApp();
    try {
      const res = await client(t.url).post('/auth/introspect', {
        form: { token: 'x' },
        headers: { authorization: 'Bearer anything' },
      });
      expect(res.status).toBe(404);
      expect(res.body.message).toBe('Introspection is not enabled on this server');
    } finally {
      await t.close();
    }
  });
});
