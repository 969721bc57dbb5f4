import { generateKeyPairSync } from 'node:crypto';
import { login, PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';

function es256Key(): string {
  return generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

let t: TestApp;
let http: Client;
let n = 0;

async function register(extra: Record<string, string> = {}) {
  const email = `userinfo${++n}@example.com`;
  const res = await http.post('/auth/register', { json: { email, password: PASSWORD, ...extra } });
  if (res.status !== 201) throw new Error(res.text);
  return { email, id: res.body.id as string };
}

beforeAll(async () => {
  await resetDatabase();
  t = await startApp({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: es256Key() });
  http = client(t.url);
});
afterAll(() => t.close());

describe('scopes openid and email on the password grant', () => {
  it('are not granted unless asked for: no scope still answers "profile" (v1)', async () => {
    const { email } = await register();
    expect((await login(http, email)).scope).toBe('profile');
    expect((await login(http, email, PASSWORD, 'openid email profile')).scope).toBe('openid email profile');
    expect((await login(http, email, PASSWORD, 'openid')).scope).toBe('openid');
  });

  it('survive a refresh, and cannot be added by one', async () => {
    const { email } = await register();
    const first = await login(http, email, PASSWORD, 'openid email');
    const refreshed = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: first.refresh_token },
    });
    expect(refreshed.body.scope).toBe('openid email');
    const plain = await login(http, email);
    const widened = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: plain.refresh_token, scope: 'openid' },
    });
    expect(widened.status).toBe(400);
    expect(widened.body.error).toBe('invalid_scope');
  });
});

describe('GET|POST /oauth/userinfo', () => {
  it('answers sub and the claims of the scopes, private and not cached', async () => {
    const user = await register({ username: 'alice_ui', display_name: 'Alice' });
    const tokens = await login(http, user.email, PASSWORD, 'openid email profile');
    const res = await http.get('/oauth/userinfo', { token: tokens.access_token });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      sub: user.id,
      email: user.email,
      email_verified: false,
      name: 'Alice',
      preferred_username: 'alice_ui',
      updated_at: expect.any(Number),
    });
    const posted = await http.post('/oauth/userinfo', { token: tokens.access_token });
    expect(posted.status).toBe(200);
    expect(posted.body).toEqual(res.body);
    const form = await http.post('/oauth/userinfo', { token: tokens.access_token, form: {} });
    expect(form.status).toBe(200);
    expect(form.body).toEqual(res.body);
  });

  it('releases only what the scopes allow: openid alone is sub only', async () => {
    const user = await register({ username: 'bob_ui', display_name: 'Bob' });
    const only = await login(http, user.email, PASSWORD, 'openid');
    expect((await http.get('/oauth/userinfo', { token: only.access_token })).body).toEqual({ sub: user.id });
    const mail = await login(http, user.email, PASSWORD, 'openid email');
    expect((await http.get('/oauth/userinfo', { token: mail.access_token })).body).toEqual({
      sub: user.id,
      email: user.email,
      email_verified: false,
    });
  });

  it('tells the account as it is now (a changed display name, a verified email)', async () => {
    const user = await register();
    const tokens = await login(http, user.email, PASSWORD, 'openid email profile');
    await t.dataSource.query('UPDATE users SET email_verified_at = now() WHERE id = $1', [user.id]);
    const patched = await http.patch('/users/me', { token: tokens.access_token, json: { display_name: 'Renamed' } });
    expect(patched.status).toBe(200);
    const res = await http.get('/oauth/userinfo', { token: tokens.access_token });
    expect(res.body).toMatchObject({ name: 'Renamed', email_verified: true });
    expect(res.body).not.toHaveProperty('preferred_username');
  });

  it('refuses a token without openid: 403 insufficient_scope', async () => {
    const { email } = await register();
    const tokens = await login(http, email);
    const res = await http.get('/oauth/userinfo', { token: tokens.access_token });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="warden", error="insufficient_scope", scope="openid"',
    );
  });

  it('answers 401 with the RFC 6750 challenge: none sent, invalid, or revoked', async () => {
    const none = await http.get('/oauth/userinfo');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="warden"');
    const bad = await http.get('/oauth/userinfo', { token: 'not-a-token' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');

    const { email } = await register();
    const tokens = await login(http, email, PASSWORD, 'openid');
    expect((await http.get('/oauth/userinfo', { token: tokens.access_token })).status).toBe(200);
    expect((await http.post('/auth/revoke', { form: { token: tokens.refresh_token } })).status).toBe(200);
    const revoked = await http.post('/oauth/userinfo', { token: tokens.access_token });
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');
    expect(revoked.text).not.toContain(tokens.access_token);
  });

  it('is in the OpenAPI document with its errors', async () => {
    const doc = (await http.get('/docs-json')).body;
    for (const method of ['get', 'post']) {
      const operation = doc.paths['/oauth/userinfo'][method];
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '500']));
      expect(operation.security).toEqual(expect.arrayContaining([{ bearer: [] }]));
    }
    expect(doc.paths['/.well-known/openid-configuration'].get.responses).toHaveProperty('200');
    expect(doc.paths['/oauth/logout'].get.responses).toHaveProperty('302');
  });
});
