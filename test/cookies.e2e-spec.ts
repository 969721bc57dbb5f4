import { decodeJwt } from 'jose';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { cookieHeader, setCookies } from './support/cookies.js';
import { client, type Client } from './support/http.js';

const PASSWORD = 'correct horse battery staple';
const SPA = 'http://spa.example';
const EVIL = 'http://evil.example';

describe('cookie mode (browsers)', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;

  async function browserLogin(headers: Record<string, string> = { origin: SPA }) {
    const email = `browser${++n}@example.com`;
    const registered = await http.post('/auth/register', { json: { email, password: PASSWORD } });
    const res = await http.post('/auth/login', { json: { email, password: PASSWORD }, headers });
    expect(res.status).toBe(200);
    const cookies = setCookies(res);
    return {
      res,
      user: registered.body,
      access: cookies.access_token.value,
      refresh: cookies.refresh_token.value,
      both: cookieHeader({ access_token: cookies.access_token.value, refresh_token: cookies.refresh_token.value }),
    };
  }

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ CORS_ORIGINS: SPA });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('logs in with JSON and sets both cookies with the contract attributes', async () => {
    const { res, access, refresh } = await browserLogin();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      user: expect.objectContaining({ email: `browser${n}@example.com`, email_verified: false, roles: ['user'] }),
      expires_in: 900,
    });
    expect(res.text).not.toContain(access);
    expect(res.text).not.toContain(refresh);
    const cookies = setCookies(res);
    expect(cookies.access_token.raw).toBe(
      `access_token=${access}; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax`,
    );
    expect(cookies.refresh_token.raw).toMatch(
      /^refresh_token=[A-Za-z0-9_-]{43}; Max-Age=259\d{4}; Path=\/auth; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(Number(cookies.refresh_token.attributes['max-age'])).toBeGreaterThan(2592000 - 5);
    expect(decodeJwt(access).sid).toEqual(expect.any(String));
  });

  it('logs in with a form body and a username', async () => {
    const email = `form${++n}@example.com`;
    await http.post('/auth/register', { json: { email, password: PASSWORD, username: `formuser${n}` } });
    const res = await http.post('/auth/login', { form: { username: `FormUser${n}`, password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe(email);
  });

  it('authenticates /users/me with the access_token cookie alone', async () => {
    const { access, user } = await browserLogin();
    const me = await http.get('/users/me', { headers: { cookie: cookieHeader({ access_token: access }) } });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);
  });

  it('refuses a cookie POST from a foreign Origin with 403 and leaves the session alone', async () => {
    const { both, access } = await browserLogin();
    const res = await http.post('/auth/logout', { headers: { cookie: both, origin: EVIL } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Cross-site request refused: origin not allowed',
      request_id: expect.any(String),
    });
    expect((await http.get('/users/me', { token: access })).status).toBe(200);
  });

  it.each([
    ['a foreign Origin', 403, { origin: EVIL }],
    ['no Origin and no Referer', 403, {}],
    ['Origin: null', 403, { origin: 'null' }],
    ['a foreign Referer', 403, { referer: `${EVIL}/page` }],
    ['the APP_URL origin', 204, { origin: 'http://localhost:3000' }],
    ['a CORS_ORIGINS origin', 204, { origin: SPA }],
    ['a Referer on a CORS_ORIGINS origin', 204, { referer: `${SPA}/settings?x=1` }],
  ])('a cookie-authenticated DELETE with %s answers %d', async (_name, status, headers) => {
    const { access } = await browserLogin();
    const res = await http.delete('/auth/sessions', {
      headers: { cookie: cookieHeader({ access_token: access }), ...headers },
    });
    expect(res.status).toBe(status);
  });

  it('leaves bearer requests alone whatever their Origin', async () => {
    const { access } = await browserLogin();
    const res = await http.delete('/auth/sessions', { token: access, headers: { origin: EVIL } });
    expect(res.status).toBe(204);
  });

  it('rotates on /auth/refresh: new cookies, the new access cookie works', async () => {
    const { both, access, refresh } = await browserLogin();
    const res = await http.post('/auth/refresh', { headers: { cookie: both, origin: SPA } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ expires_in: 900 });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const cookies = setCookies(res);
    expect(cookies.access_token.value).not.toBe(access);
    expect(cookies.refresh_token.value).not.toBe(refresh);
    expect(cookies.refresh_token.raw).toMatch(/; Path=\/auth; HttpOnly; Secure; SameSite=Strict$/);
    expect(decodeJwt(cookies.access_token.value).sid).toBe(decodeJwt(access).sid);
    const me = await http.get('/users/me', { headers: { cookie: `access_token=${cookies.access_token.value}` } });
    expect(me.status).toBe(200);
  });

  it('answers a failed refresh with 401 and clears both cookies', async () => {
    const res = await http.post('/auth/refresh', {
      headers: { cookie: 'refresh_token=bogus; access_token=bogus', origin: SPA },
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'The refresh token is unknown',
      request_id: expect.any(String),
    });
    const cookies = setCookies(res);
    expect(cookies.access_token.raw).toBe(
      'access_token=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    );
    expect(cookies.refresh_token.raw).toBe(
      'refresh_token=; Max-Age=0; Path=/auth; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Strict',
    );
    const none = await http.post('/auth/refresh');
    expect(none.status).toBe(401);
    expect(Object.keys(setCookies(none)).sort()).toEqual(['access_token', 'refresh_token', 'warden_session']);
  });

  it('refuses /auth/refresh with cookies from a foreign Origin', async () => {
    const { both } = await browserLogin();
    expect((await http.post('/auth/refresh', { headers: { cookie: both, origin: EVIL } })).status).toBe(403);
  });

  it('logs out: 204, both cookies cleared, the old access and refresh tokens refused', async () => {
    const { both, access, refresh } = await browserLogin();
    const res = await http.post('/auth/logout', { headers: { cookie: both, origin: SPA } });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const cleared = setCookies(res);
    expect(cleared.access_token.attributes['max-age']).toBe('0');
    expect(cleared.access_token.value).toBe('');
    expect(cleared.refresh_token.attributes['max-age']).toBe('0');
    expect(cleared.refresh_token.attributes.path).toBe('/auth');
    expect((await http.get('/users/me', { token: access })).status).toBe(401);
    expect((await http.get('/users/me', { headers: { cookie: `access_token=${access}` } })).status).toBe(401);
    const again = await http.post('/auth/refresh', { headers: { cookie: `refresh_token=${refresh}`, origin: SPA } });
    expect(again.status).toBe(401);
    expect(again.body.message).toMatch(/revoked/);
    const [row] = await t.dataSource.query('SELECT revoked_reason FROM sessions WHERE id = $1', [
      decodeJwt(access).sid,
    ]);
    expect(row.revoked_reason).toBe('logout');
  });

  it('logs out with a bearer token, and with the refresh cookie alone once the access token is gone', async () => {
    const a = await browserLogin();
    expect((await http.post('/auth/logout', { token: a.access })).status).toBe(204);
    expect((await http.get('/users/me', { token: a.access })).status).toBe(401);
    const b = await browserLogin();
    const res = await http.post('/auth/logout', { headers: { cookie: `refresh_token=${b.refresh}`, origin: SPA } });
    expect(res.status).toBe(204);
    expect((await http.get('/users/me', { token: b.access })).status).toBe(401);
    const none = await http.post('/auth/logout');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="warden"/);
  });

  it('answers wrong credentials with 401 and a disabled account with 403, in the contract error shape', async () => {
    const { user } = await browserLogin();
    const wrong = await http.post('/auth/login', { json: { email: user.email, password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid email or password',
      request_id: expect.any(String),
    });
    expect(wrong.headers.getSetCookie()).toEqual([]);
    await t.dataSource.query('UPDATE users SET disabled_at = now() WHERE id = $1', [user.id]);
    const disabled = await http.post('/auth/login', { json: { email: user.email, password: PASSWORD } });
    expect(disabled.status).toBe(403);
    expect(disabled.body.message).toBe('This account is disabled');
  });

  it('validates the login body', async () => {
    const res = await http.post('/auth/login', { json: { password: PASSWORD } });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(['email or username is required']);
    const long = await http.post('/auth/login', { json: { email: 'a'.repeat(321), password: PASSWORD } });
    expect(long.body.message).toEqual(['email must be a string of at most 320 characters']);
    const extra = await http.post('/auth/login', { json: { email: 'a@example.com', password: PASSWORD, admin: true } });
    expect(extra.status).toBe(400);
  });

  it('refuses a login posted from a foreign Origin (login CSRF)', async () => {
    const email = `csrf${++n}@example.com`;
    await http.post('/auth/register', { json: { email, password: PASSWORD } });
    const res = await http.post('/auth/login', { json: { email, password: PASSWORD }, headers: { origin: EVIL } });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('answers CORS for CORS_ORIGINS only, with credentials', async () => {
    const allowed = await fetch(`${t.url}/auth/refresh`, {
      method: 'OPTIONS',
      headers: { origin: SPA, 'access-control-request-method': 'POST' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SPA);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const refused = await fetch(`${t.url}/auth/refresh`, {
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'POST' },
    });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await http.get('/health/live', { headers: { origin: SPA } });
    expect(simple.headers.get('access-control-allow-origin')).toBe(SPA);
    expect(
      (await http.get('/health/live', { headers: { origin: EVIL } })).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });
});

describe('cookie mode settings', () => {
  it('omits Secure with COOKIE_SECURE=false and refuses an unverified email with 403', async () => {
    await resetDatabase();
    const t = await startApp({ COOKIE_SECURE: 'false', AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' });
    try {
      const http = client(t.url);
      await http.post('/auth/register', { json: { email: 'unverified@example.com', password: PASSWORD } });
      const unverified = await http.post('/auth/login', {
        json: { email: 'unverified@example.com', password: PASSWORD },
      });
      expect(unverified.status).toBe(403);
      expect(unverified.body.message).toBe('The email address is not verified yet');
      await t.dataSource.query("UPDATE users SET email_verified_at = now() WHERE email = 'unverified@example.com'");
      const ok = await http.post('/auth/login', { json: { email: 'unverified@example.com', password: PASSWORD } });
      expect(ok.status).toBe(200);
      const cookies = setCookies(ok);
      expect(cookies.access_token.raw).toMatch(/; Max-Age=900; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(cookies.refresh_token.attributes.secure).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
