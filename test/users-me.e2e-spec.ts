import { base64url, decodeJwt, SignJWT } from 'jose';
import { client, type Client, registerAndLogin } from './support/http.js';
import { resetDatabase, startApp, TEST_JWT_SECRET, type TestApp } from './support/app.js';

const secret = new TextEncoder().encode(TEST_JWT_SECRET);

describe('GET /users/me', () => {
  let t: TestApp;
  let http: Client;
  let token: string;
  let claims: ReturnType<typeof decodeJwt>;
  let kid: string;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
    token = (await registerAndLogin(http, 'erin@example.com')).tokens.access_token;
    claims = decodeJwt(token);
    kid = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;
  });
  afterAll(() => t.close());

  const forge = (overrides: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT({ ...claims, ...overrides })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid, ...header })
      .sign(secret);

  const expectInvalidToken = async (bearer: string) => {
    const res = await http.get('/users/me', { token: bearer });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  };

  it('answers the user for a valid bearer token', async () => {
    const res = await http.get('/users/me', { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: 'erin@example.com', roles: ['user'], id: claims.sub });
  });

  it('answers 401 with a bare Bearer challenge when no credentials are sent', async () => {
    const res = await http.get('/users/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="warden"');
    expect(res.body.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('refuses a tampered payload', async () => {
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.roles = ['user', 'admin'];
    await expectInvalidToken(`${h}.${base64url.encode(JSON.stringify(payload))}.${s}`);
  });

  it('refuses an expired token signed with the right key', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectInvalidToken(await forge({ iat: now - 3600, exp: now - 1800 }));
  });

  it('refuses alg: none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid }));
    const payload = base64url.encode(JSON.stringify(claims));
    await expectInvalidToken(`${header}.${payload}.`);
  });

  it.each([
    ['a wrong audience', { aud: 'someone-else' }, {}],
    ['a wrong issuer', { iss: 'https://evil.example' }, {}],
    ['nbf in the future', { nbf: Math.floor(Date.now() / 1000) + 3600 }, {}],
    ['an unknown kid', {}, { kid: 'not-a-key' }],
    ['a wrong typ', {}, { typ: 'JWT' }],
  ])('refuses %s', async (_case, overrides, header) => {
    await expectInvalidToken(await forge(overrides, header));
  });

  it('refuses a token signed with another secret', async () => {
    const other = new TextEncoder().encode('another-secret-0123456789-abcdefghijklmnop');
    await expectInvalidToken(await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid }).sign(other));
  });

  it('refuses garbage and an oversized token without a 5xx', async () => {
    await expectInvalidToken('not.a.jwt');
    await expectInvalidToken(`${token}${'A'.repeat(8192)}`);
  });

  it('refuses the token once its session is revoked', async () => {
    const { tokens } = await registerAndLogin(http, 'frank@example.com');
    expect((await http.get('/users/me', { token: tokens.access_token })).status).toBe(200);
    await t.dataSource.query("UPDATE sessions SET revoked_at = now(), revoked_reason = 'test' WHERE id = $1", [decodeJwt(tokens.access_token).sid]);
    await expectInvalidToken(tokens.access_token);
  });

  it('refuses the token of a disabled user and of a deleted user', async () => {
    const disabled = await registerAndLogin(http, 'gina@example.com');
    await t.dataSource.query("UPDATE users SET disabled_at = now() WHERE email = 'gina@example.com'");
    await expectInvalidToken(disabled.tokens.access_token);

    const deleted = await registerAndLogin(http, 'hank@example.com');
    await t.dataSource.query("DELETE FROM users WHERE email = 'hank@example.com'");
    await expectInvalidToken(deleted.tokens.access_token);
  });
});
