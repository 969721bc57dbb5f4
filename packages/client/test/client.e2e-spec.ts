import { resetDatabase, startApp, type TestApp } from '../../../test/support/app.js';
import { client } from '../../../test/support/http.js';
import { MemoryTokenStorage } from '../src/token-storage.js';
import { createWardenClient } from '../src/warden-client.js';

const PASSWORD = 'correct horse battery staple';

describe('@warden/client against a real Warden', () => {
  let warden: TestApp;
  let n = 0;
  /** Every request the client sends, as "METHOD /path". */
  let sent: string[];

  const newClient = () => {
    sent = [];
    return createWardenClient({
      baseUrl: warden.url,
      storage: new MemoryTokenStorage(),
      fetch: (request) => {
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        return fetch(request);
      },
    });
  };
  const newAccount = async () => {
    const email = `client${++n}@example.com`;
    const res = await client(warden.url).post('/auth/register', { json: { email, password: PASSWORD } });
    if (res.status !== 201) throw new Error(`register failed: ${res.status}`);
    return email;
  };

  beforeAll(async () => {
    await resetDatabase();
    warden = await startApp();
  });
  afterAll(() => warden.close());

  it('logs in with the password grant and calls a typed route with the bearer token', async () => {
    const wc = newClient();
    const email = await newAccount();
    const { tokens } = await wc.login(email, PASSWORD);
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'profile' });
    const { data, response } = await wc.api.GET('/users/me');
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ email, roles: ['user'] });
  });

  it("answers a wrong password with Warden's OAuth error and stores nothing", async () => {
    const wc = newClient();
    const result = await wc.login(await newAccount(), 'wrong password, really');
    expect(result.error).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    expect(wc.storage.get()).toBeNull();
  });

  it('refreshes once for concurrent requests that get 401, and retries each of them once', async () => {
    const wc = newClient();
    const { tokens } = await wc.login(await newAccount(), PASSWORD);
    // An access token Warden refuses, with a good refresh token: what an expired one looks like.
    await wc.storage.set({ ...tokens!, access_token: 'expired.access.token' });
    sent = [];
    const results = await Promise.all(Array.from({ length: 5 }, () => wc.api.GET('/users/me')));
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(sent.filter((s) => s === 'POST /auth/token')).toHaveLength(1);
    expect(sent.filter((s) => s === 'GET /users/me')).toHaveLength(10);
    const stored = await wc.storage.get();
    expect(stored!.refresh_token).not.toBe(tokens!.refresh_token);
    expect((await wc.api.GET('/users/me')).response.status).toBe(200);
  });

  it('ends the session when the refresh fails: the 401 comes back, no second retry, tokens forgotten', async () => {
    const wc = newClient();
    const { tokens } = await wc.login(await newAccount(), PASSWORD);
    // Revoked elsewhere (another device signed the session out).
    expect((await client(warden.url).post('/auth/logout', { token: tokens!.access_token })).status).toBe(204);
    sent = [];
    const { response, error } = await wc.api.GET('/users/me');
    expect(response.status).toBe(401);
    expect(error).toMatchObject({ statusCode: 401 });
    expect(sent).toEqual(['GET /users/me', 'POST /auth/token']);
    expect(await wc.storage.get()).toBeNull();
  });

  it('logs out by revoking the session on Warden', async () => {
    const wc = newClient();
    const { tokens } = await wc.login(await newAccount(), PASSWORD);
    await wc.logout();
    expect(await wc.storage.get()).toBeNull();
    expect((await client(warden.url).get('/users/me', { token: tokens!.access_token })).status).toBe(401);
    const refreshed = await client(warden.url).post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: tokens!.refresh_token! },
    });
    expect(refreshed.status).toBe(400);
  });
});
