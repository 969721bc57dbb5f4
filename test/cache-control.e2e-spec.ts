import { login, PASSWORD, registerAdmin } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client, type HttpResult, registerAndLogin } from './support/http.js';
import { codeIn, mailEnv, SmtpSink } from './support/smtp-sink.js';

const ORIGIN = { origin: 'http://localhost:3000' };

function expectNoStore(res: HttpResult, status: number): void {
  expect({ status: res.status, cacheControl: res.headers.get('cache-control') }).toEqual({
    status,
    cacheControl: 'no-store',
  });
}

describe('Cache-Control: no-store on private responses', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let http: Client;
  let admin: string;
  let user: { id: string };
  let userToken: string;

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    t = await startApp(mailEnv(sink));
    http = client(t.url);
    await registerAdmin(http, t.dataSource, 'cache-admin@example.com');
    admin = (await login(http, 'cache-admin@example.com', PASSWORD, 'profile users:read users:write')).access_token;
    const registered = await registerAndLogin(http, 'cache-user@example.com');
    user = registered.user;
    userToken = registered.tokens.access_token;
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('/users/me (read and update)', async () => {
    expectNoStore(await http.get('/users/me', { token: userToken }), 200);
    expectNoStore(await http.patch('/users/me', { token: userToken, json: { display_name: 'Cache' } }), 200);
  });

  it('/users and /users/:id (admin)', async () => {
    expectNoStore(await http.get('/users', { token: admin }), 200);
    expectNoStore(await http.get(`/users/${user.id}`, { token: admin }), 200);
    expectNoStore(await http.patch(`/users/${user.id}`, { token: admin, json: { email_verified: true } }), 200);
  });

  it('/auth/sessions, /auth/events and /users/:id/events', async () => {
    expectNoStore(await http.get('/auth/sessions', { token: userToken }), 200);
    expectNoStore(await http.get('/auth/events', { token: userToken }), 200);
    expectNoStore(await http.get(`/users/${user.id}/events`, { token: admin }), 200);
  });

  it('every public answer that carries a user: register, login, verify-email', async () => {
    const registered = await http.post('/auth/register', {
      json: { email: 'cache-new@example.com', password: PASSWORD },
    });
    expectNoStore(registered, 201);
    const code = codeIn(await sink.waitFor('cache-new@example.com'));
    const verified = await http.post('/auth/verify-email', { json: { email: 'cache-new@example.com', code } });
    expectNoStore(verified, 200);
    expect(verified.body.email_verified).toBe(true);
    const loggedIn = await http.post('/auth/login', {
      json: { email: 'cache-new@example.com', password: PASSWORD },
      headers: ORIGIN,
    });
    expectNoStore(loggedIn, 200);
    expect(loggedIn.body.user.email).toBe('cache-new@example.com');
  });

  it('leaves public documents cacheable', async () => {
    const jwks = await http.get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).not.toBe('no-store');
  });
});
