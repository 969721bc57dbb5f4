import { decodeJwt } from 'jose';
import { SessionEventsService } from '../src/sessions/session-events.service.js';
import { login, PASSWORD, registerAdmin } from './support/accounts.js';
import { resetDatabase, startApp, TEST_DATABASE_URL, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;
const INTROSPECTION_SECRET = 'introspection-secret-0123456789-abcdef';

interface Registered {
  id: string;
  secret: string;
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function register(http: Client, admin: string, json: Record<string, unknown>): Promise<Registered> {
  const res = await http.post('/clients', {
    token: admin,
    json: { type: 'confidential', grant_types: ['client_credentials'], ...json },
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return { id: res.body.client_id, secret: res.body.client_secret };
}

function grant(http: Client, c: Registered, form: Record<string, string> = {}) {
  return http.post('/auth/token', {
    form: { grant_type: 'client_credentials', ...form },
    headers: { authorization: basic(c.id, c.secret) },
  });
}

/** Polls a client-token route until it answers 401; how long that took (ms) and the last status. */
async function msUntilRefused(http: Client, token: string, limitMs = 1000): Promise<{ ms: number; status: number }> {
  const start = performance.now();
  let status = 0;
  while (performance.now() - start < limitMs) {
    status = (await http.get('/users?limit=1', { token })).status;
    if (status === 401) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { ms: Math.round(performance.now() - start), status };
}

describe('grant_type=client_credentials', () => {
  let t: TestApp;
  let http: Client;
  let admin: string;
  let machine: Registered;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ INTROSPECTION_SECRET });
    http = client(t.url);
    await registerAdmin(http, t.dataSource, 'cc-admin@example.com');
    admin = (await login(http, 'cc-admin@example.com', PASSWORD, 'profile users:read users:write')).access_token;
    machine = await register(http, admin, { name: 'Machine', scopes: ['users:read', 'profile'] });
  });
  afterAll(() => t.close());

  it('answers a token for the client itself: sub = client_id, no sid, no refresh token', async () => {
    const res = await grant(http, machine);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      scope: 'users:read profile',
    });
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ sub: machine.id, client_id: machine.id, scope: 'users:read profile' });
    expect(claims).not.toHaveProperty('sid');
    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('roles');
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM sessions')).toEqual([{ n: 1 }]);
  });

  it('accepts client_secret_post, and a scope within the client’s own', async () => {
    const res = await http.post('/auth/token', {
      form: {
        grant_type: 'client_credentials',
        client_id: machine.id,
        client_secret: machine.secret,
        scope: 'users:read',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('users:read');
    const wider = await grant(http, machine, { scope: 'users:read users:write' });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
  });

  it('refuses bad client credentials with 401 invalid_client and a Basic challenge', async () => {
    const cases: Array<{ headers?: Record<string, string>; form?: Record<string, string> }> = [
      { headers: { authorization: basic(machine.id, 'wrong') } },
      { headers: { authorization: basic('00000000-0000-4000-8000-000000000000', machine.secret) } },
      { headers: { authorization: basic('not-a-client', machine.secret) } },
      { headers: { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` } },
      { headers: {} },
      { headers: { authorization: 'Basic Og==' } },
      { form: { client_id: machine.id, client_secret: `${machine.secret}x` } },
      { form: { client_id: machine.id } },
    ];
    for (const { headers, form } of cases) {
      const res = await http.post('/auth/token', { form: { grant_type: 'client_credentials', ...form }, headers });
      expect([res.status, res.body.error]).toEqual([401, 'invalid_client']);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="warden"');
      expect(res.text).not.toContain(machine.secret);
    }
  });

  it('refuses two authentication methods at once (invalid_request)', async () => {
    const res = await http.post('/auth/token', {
      form: { grant_type: 'client_credentials', client_id: machine.id, client_secret: machine.secret },
      headers: { authorization: basic(machine.id, machine.secret) },
    });
    expect([res.status, res.body.error]).toEqual([400, 'invalid_request']);
  });

  it('refuses clients not registered for the grant (unauthorized_client)', async () => {
    const web = await register(http, admin, {
      name: 'Web',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['https://web.example.com/cb'],
    });
    const res = await grant(http, web);
    expect([res.status, res.body.error]).toEqual([400, 'unauthorized_client']);
    const spa = await http.post('/clients', {
      token: admin,
      json: { name: 'SPA', redirect_uris: ['https://spa.example.com/cb'] },
    });
    const pub = await http.post('/auth/token', {
      form: { grant_type: 'client_credentials', client_id: spa.body.client_id },
    });
    expect([pub.status, pub.body.error]).toEqual([400, 'unauthorized_client']);
  });

  it('is accepted only by the routes that say so: GET /users yes, /users/me and writes no', async () => {
    const token = (await grant(http, machine)).body.access_token as string;
    const users = await http.get('/users', { token });
    expect(users.status).toBe(200);
    expect(users.body.items.map((u: { email: string }) => u.email)).toContain('cc-admin@example.com');
    for (const res of [
      await http.get('/users/me', { token }),
      await http.get('/auth/sessions', { token }),
      await http.patch(`/users/${users.body.items[0].id}`, { token, json: { disabled: true } }),
      await http.post('/clients', { token, json: { name: 'x', redirect_uris: ['https://x.example/cb'] } }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');
    }
    const noScope = await http.get('/clients', { token });
    expect(noScope.status).toBe(403);
    const [admins] = await t.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE disabled_at IS NOT NULL`);
    expect(admins.n).toBe(0);
  });

  it('is introspected with its client_id, and inactive once the client is gone', async () => {
    const doomed = await register(http, admin, { name: 'Doomed', scopes: ['users:read'] });
    const token = (await grant(http, doomed)).body.access_token as string;
    const introspect = () =>
      http.post('/auth/introspect', { form: { token }, headers: { authorization: `Bearer ${INTROSPECTION_SECRET}` } });
    const live = await introspect();
    expect(live.body).toMatchObject({ active: true, sub: doomed.id, client_id: doomed.id, scope: 'users:read' });
    expect(live.body).not.toHaveProperty('sid');
    expect((await http.delete(`/clients/${doomed.id}`, { token: admin })).status).toBe(204);
    expect((await introspect()).body).toEqual({ active: false });
    expect((await http.get('/users', { token })).status).toBe(401);
    expect((await grant(http, doomed)).status).toBe(401);
  });

  it('stops working when the secret is rotated or the client loses a scope the token carries', async () => {
    const rotating = await register(http, admin, { name: 'Rotating', scopes: ['users:read', 'profile'] });
    const first = (await grant(http, rotating)).body.access_token as string;
    expect((await http.get('/users', { token: first })).status).toBe(200);
    const rotated = await http.post(`/clients/${rotating.id}/secret`, { token: admin });
    expect((await http.get('/users', { token: first })).status).toBe(401);
    const renewed = { id: rotating.id, secret: rotated.body.client_secret as string };
    const second = (await grant(http, renewed)).body.access_token as string;
    const narrow = (await grant(http, renewed, { scope: 'profile' })).body.access_token as string;
    expect((await http.get('/users', { token: second })).status).toBe(200);
    await http.patch(`/clients/${rotating.id}`, { token: admin, json: { scopes: ['profile'] } });
    expect((await http.get('/users', { token: second })).status).toBe(401);
    const introspected = await http.post('/auth/introspect', {
      form: { token: narrow },
      headers: { authorization: `Bearer ${INTROSPECTION_SECRET}` },
    });
    expect(introspected.body).toMatchObject({ active: true, scope: 'profile' });
  });

  it('leaves the secret out of every log line', () => {
    const logs = t.logs.join('\n');
    expect(logs).not.toContain(machine.secret);
  });
});

const transports: Array<[string, Record<string, string>]> = [
  [TEST_DATABASE_URL ? 'Postgres LISTEN/NOTIFY' : 'PGlite notifications', {}],
  ...(TEST_REDIS_URL ? [['Redis pub/sub', { REDIS_URL: TEST_REDIS_URL }] as [string, Record<string, string>]] : []),
];

describe.each(transports)('client tokens across two instances on one database (%s)', (name, env) => {
  let a: TestApp;
  let b: TestApp;
  let httpA: Client;
  let httpB: Client;
  let admin: string;

  beforeAll(async () => {
    await resetDatabase();
    a = await startApp(env);
    b = await startApp(env);
    httpA = client(a.url);
    httpB = client(b.url);
    expect(a.app.get(SessionEventsService).listening).toBe(true);
    expect(b.app.get(SessionEventsService).listening).toBe(true);
    await registerAdmin(httpA, a.dataSource, 'two-admin@example.com');
    admin = (await login(httpA, 'two-admin@example.com', PASSWORD, 'profile users:read users:write')).access_token;
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('a secret rotated on B ends the token on A within 1 s', async () => {
    const c = await register(httpA, admin, { name: 'Two', scopes: ['users:read'] });
    const token = (await grant(httpA, c)).body.access_token as string;
    // Both instances have the client's state cached now.
    expect((await httpA.get('/users?limit=1', { token })).status).toBe(200);
    expect((await httpB.get('/users?limit=1', { token })).status).toBe(200);
    expect((await httpA.get('/users?limit=1', { token })).status).toBe(200);
    expect((await httpB.post(`/clients/${c.id}/secret`, { token: admin })).status).toBe(200);
    const { ms, status } = await msUntilRefused(httpA, token);
    console.log(`[client revocation] rotation on B → refused on A after ${ms} ms (${name})`);
    expect(status).toBe(401);
    expect(ms).toBeLessThan(1000);
  });

  it('a client deleted on A ends its token on B within 1 s', async () => {
    const c = await register(httpA, admin, { name: 'Two-delete', scopes: ['users:read'] });
    const token = (await grant(httpB, c)).body.access_token as string;
    expect((await httpB.get('/users?limit=1', { token })).status).toBe(200);
    expect((await httpB.get('/users?limit=1', { token })).status).toBe(200);
    expect((await httpA.delete(`/clients/${c.id}`, { token: admin })).status).toBe(204);
    const { ms, status } = await msUntilRefused(httpB, token);
    console.log(`[client revocation] deletion on A → refused on B after ${ms} ms (${name})`);
    expect(status).toBe(401);
    expect(ms).toBeLessThan(1000);
  });
});
