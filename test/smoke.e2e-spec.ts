import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';

/** The main path a user takes, end to end: the e2e part of `npm run test:quick`. */
describe('smoke: register, log in, read my profile, refresh, log out', () => {
  let t: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('walks the whole session life cycle', async () => {
    const email = 'smoke@example.com';
    const registered = await http.post('/auth/register', { json: { email, password: PASSWORD } });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ email, roles: ['user'], disabled: false });

    const login = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ token_type: 'bearer' });

    const me = await http.get('/users/me', { token: login.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: registered.body.id, email });

    const refreshed = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: login.body.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(login.body.refresh_token);
    expect((await http.get('/users/me', { token: refreshed.body.access_token })).status).toBe(200);

    expect((await http.post('/auth/logout', { token: refreshed.body.access_token })).status).toBe(204);
    expect((await http.get('/users/me', { token: refreshed.body.access_token })).status).toBe(401);
    const reused = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token },
    });
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({ error: 'invalid_grant' });
  });
});
