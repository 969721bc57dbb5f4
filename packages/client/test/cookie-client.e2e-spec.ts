import { resetDatabase, startApp, type TestApp } from '../../../test/support/app.js';
import { client } from '../../../test/support/http.js';
import { createWardenCookieClient } from '../src/cookie-client.js';
import { CookieJar } from './cookie-jar.js';

const PASSWORD = 'correct horse battery staple';
const SPA_ORIGIN = 'http://127.0.0.1:5173';
const WARDEN_ENV = { CORS_ORIGINS: SPA_ORIGIN, COOKIE_SECURE: 'false' };

describe('@warden/client cookie mode against a real Warden', () => {
  let warden: TestApp;
  /** A Warden whose access tokens (and so access cookies) live 2 s. */
  let shortLived: TestApp;
  let n = 0;
  /** Every request the client sends, as "METHOD /path". */
  let sent: string[];
  let jar: CookieJar;

  const newClient = (app: TestApp, origin = SPA_ORIGIN) => {
    sent = [];
    jar = new CookieJar(origin);
    return createWardenCookieClient({
      baseUrl: app.url,
      fetch: (request) => {
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        return jar.fetch(request);
      },
    });
  };
  const newAccount = async (app: TestApp) => {
    const email = `cookie${++n}@example.com`;
    const res = await client(app.url).post('/auth/register', { json: { email, password: PASSWORD } });
    if (res.status !== 201) throw new Error(`register failed: ${res.status}`);
    return email;
  };
  const refreshTokenRows = (app: TestApp, email: string) =>
    app.dataSource.query<{ rotated_at: Date | null }[]>(
      `SELECT rt.rotated_at FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
       JOIN users u ON u.id = s.user_id WHERE u.email = $1 ORDER BY rt.created_at`,
      [email],
    );

  beforeAll(async () => {
    await resetDatabase();
    warden = await startApp(WARDEN_ENV);
    shortLived = await startApp({ ...WARDEN_ENV, ACCESS_TOKEN_TTL: '2s' });
  });
  afterAll(async () => {
    await shortLived?.close();
    await warden?.close();
  });

  it('signs in with the cookie login and calls a typed route with the cookies, never seeing a token', async () => {
    const wc = newClient(warden);
    const email = await newAccount(warden);
    const result = await wc.login(email, PASSWORD);
    expect(result).toEqual({ user: expect.objectContaining({ email, roles: ['user'] }), expiresIn: 900 });
    expect(JSON.stringify(result)).not.toContain(jar.get('access_token'));
    expect(jar.names()).toEqual(['access_token', 'refresh_token', 'warden_session']);
    const { data, response } = await wc.api.GET('/users/me');
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ email, roles: ['user'] });
    expect(sent).toEqual(['POST /auth/login', 'GET /users/me']);
  });

  it("answers wrong credentials with Warden's 401 and sets no cookie", async () => {
    const wc = newClient(warden);
    const result = await wc.login(await newAccount(warden), 'wrong password, really');
    expect(result).toEqual({ status: 401, error: expect.objectContaining({ statusCode: 401 }) });
    expect(jar.names()).toEqual([]);
  });

  it('sends an unsafe request with the cookies from an allowed origin, which Warden accepts', async () => {
    const wc = newClient(warden);
    await wc.login(await newAccount(warden), PASSWORD);
    const { data, response } = await wc.api.PATCH('/users/me', { body: { display_name: 'Cookie Monster' } });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ display_name: 'Cookie Monster' });
  });

  it('after the access cookie expires, refreshes through /auth/refresh and retries the request once', async () => {
    const wc = newClient(shortLived);
    const email = await newAccount(shortLived);
    await wc.login(email, PASSWORD);
    const firstRefreshCookie = jar.get('refresh_token');
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect(jar.names()).toEqual(['refresh_token', 'warden_session']);
    sent = [];
    const { data, response } = await wc.api.GET('/users/me');
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ email });
    expect(sent).toEqual(['GET /users/me', 'POST /auth/refresh', 'GET /users/me']);
    expect(jar.names()).toEqual(['access_token', 'refresh_token', 'warden_session']);
    expect(jar.get('refresh_token')).not.toBe(firstRefreshCookie);
    // Rotated in the database: the login's refresh token is spent, the new one is live.
    const rows = await refreshTokenRows(shortLived, email);
    expect(rows.map((r) => r.rotated_at !== null)).toEqual([true, false]);
  });

  it('shares one refresh among concurrent requests that get 401, and retries each of them once', async () => {
    const wc = newClient(warden);
    const email = await newAccount(warden);
    await wc.login(email, PASSWORD);
    // An access cookie Warden refuses, with a good refresh cookie: what an expired one looks like.
    jar.set('access_token', 'expired.access.token');
    sent = [];
    const results = await Promise.all(Array.from({ length: 5 }, () => wc.api.GET('/users/me')));
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(sent.filter((s) => s === 'POST /auth/refresh')).toHaveLength(1);
    expect(sent.filter((s) => s === 'GET /users/me')).toHaveLength(10);
    expect(sent).toHaveLength(11);
    expect((await refreshTokenRows(warden, email)).map((r) => r.rotated_at !== null)).toEqual([true, false]);
  });

  it('retries without another refresh a request whose 401 arrives after a refresh that started later', async () => {
    jar = new CookieJar(SPA_ORIGIN);
    sent = [];
    let reachedHold!: () => void;
    const held = new Promise<void>((resolve) => (reachedHold = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let holdNext = false;
    const wc = createWardenCookieClient({
      baseUrl: warden.url,
      fetch: async (request) => {
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        const hold = holdNext;
        holdNext = false;
        const response = await jar.fetch(request);
        if (hold) {
          reachedHold();
          await gate;
        }
        return response;
      },
    });
    await wc.login(await newAccount(warden), PASSWORD);
    jar.set('access_token', 'expired.access.token');
    holdNext = true;
    const slow = wc.api.GET('/users/me');
    await held; // its 401 is back but not yet delivered
    expect((await wc.api.GET('/users/me')).response.status).toBe(200);
    release();
    expect((await slow).response.status).toBe(200);
    expect(sent).toEqual([
      'POST /auth/login',
      'GET /users/me',
      'GET /users/me',
      'POST /auth/refresh',
      'GET /users/me',
      'GET /users/me',
    ]);
  });

  it('ends the session when the refresh fails: the 401 comes back, no retry, Warden clears the cookies', async () => {
    const wc = newClient(warden);
    await wc.login(await newAccount(warden), PASSWORD);
    // Signed out elsewhere: the access token's session is revoked on Warden.
    expect((await client(warden.url).post('/auth/logout', { token: jar.get('access_token') })).status).toBe(204);
    sent = [];
    const { response, error } = await wc.api.GET('/users/me');
    expect(response.status).toBe(401);
    expect(error).toMatchObject({ statusCode: 401 });
    expect(sent).toEqual(['GET /users/me', 'POST /auth/refresh']);
    expect(jar.names()).toEqual([]);
    expect(await wc.refresh()).toBe(false);
  });

  it('does not refresh when the login itself answers 401', async () => {
    const wc = newClient(warden);
    const { response } = await wc.api.POST('/auth/login', {
      body: { email: await newAccount(warden), password: 'wrong password, really' },
    });
    expect(response.status).toBe(401);
    expect(sent).toEqual(['POST /auth/login']);
  });

  it('logs out: the session is revoked on Warden and the cookies are cleared', async () => {
    const wc = newClient(warden);
    await wc.login(await newAccount(warden), PASSWORD);
    const accessToken = jar.get('access_token')!;
    await wc.logout();
    expect(jar.names()).toEqual([]);
    expect((await client(warden.url).get('/users/me', { token: accessToken })).status).toBe(401);
    expect((await wc.api.GET('/users/me')).response.status).toBe(401);
  });

  it('logs out with the refresh cookie alone once the access cookie has expired', async () => {
    const wc = newClient(warden);
    const email = await newAccount(warden);
    await wc.login(email, PASSWORD);
    jar.delete('access_token');
    await wc.logout();
    expect(jar.names()).toEqual([]);
    const sessions = await warden.dataSource.query<{ revoked_reason: string | null }[]>(
      'SELECT s.revoked_reason FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1',
      [email],
    );
    expect(sessions).toEqual([{ revoked_reason: 'logout' }]);
  });

  it("throws on a logout that Warden refuses because the page's origin is not allowed", async () => {
    const wc = newClient(warden);
    await wc.login(await newAccount(warden), PASSWORD);
    const accessToken = jar.get('access_token')!;
    const foreign = newClient(warden, 'https://evil.example');
    jar.set('access_token', accessToken);
    await expect(foreign.logout()).rejects.toThrow('Warden refused the logout: 403');
  });
});
