import { decodeJwt } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { login, PASSWORD, registerAdmin } from './support/accounts.js';
import { resetDatabase, startApp, TEST_DATABASE_URL, type TestApp } from './support/app.js';
import { cliRunner } from './support/cli.js';
import { client, type Client } from './support/http.js';

const SECRET = 'introspection-secret-0123456789-abcdef';

describe('roles in tokens stay true', () => {
  let t: TestApp;
  let http: Client;
  let admin: string;
  const introspect = (token: string) =>
    http.post('/auth/introspect', { form: { token }, headers: { authorization: `Bearer ${SECRET}` } });

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ INTROSPECTION_SECRET: SECRET });
    http = client(t.url);
    await registerAdmin(http, t.dataSource, 'root@example.com');
    admin = (await login(http, 'root@example.com')).access_token;
  });
  afterAll(() => t.close());

  it('removing admin from a user revokes their sessions: the old token gets 401 and introspects inactive', async () => {
    const id = await registerAdmin(http, t.dataSource, 'demoted@example.com');
    const before = await login(http, 'demoted@example.com');
    expect(decodeJwt(before.access_token).roles).toEqual(['user', 'admin']);
    expect((await http.get('/users', { token: before.access_token })).status).toBe(200);

    const patched = await http.patch(`/users/${id}`, { token: admin, json: { roles: ['user'] } });
    expect(patched.status).toBe(200);
    expect(patched.body.roles).toEqual(['user']);

    expect((await http.get('/users/me', { token: before.access_token })).status).toBe(401);
    expect((await http.get('/users', { token: before.access_token })).status).toBe(401);
    expect((await introspect(before.access_token)).body).toEqual({ active: false });
    const refreshed = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: before.refresh_token },
    });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    const rows: Array<{ revoked_reason: string }> = await t.dataSource.query(
      'SELECT revoked_reason FROM sessions WHERE user_id = $1',
      [id],
    );
    expect(rows).toEqual([{ revoked_reason: 'role_removed' }]);
    // A new login carries the roles the user has now.
    const after = await login(http, 'demoted@example.com');
    expect(decodeJwt(after.access_token).roles).toEqual(['user']);
    expect((await http.get('/users', { token: after.access_token })).status).toBe(403);
  });

  it('adding a role keeps the sessions, and introspection answers the current roles and email', async () => {
    const res = await http.post('/auth/register', { json: { email: 'promoted@example.com', password: PASSWORD } });
    const id = res.body.id as string;
    const tokens = await login(http, 'promoted@example.com');
    await t.dataSource.query(`UPDATE users SET email = 'renamed@example.com' WHERE id = $1`, [id]);

    const patched = await http.patch(`/users/${id}`, { token: admin, json: { roles: ['user', 'admin'] } });
    expect(patched.status).toBe(200);

    expect((await http.get('/users/me', { token: tokens.access_token })).status).toBe(200);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ roles: ['user'], email: 'promoted@example.com' });
    const answer = await introspect(tokens.access_token);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      active: true,
      sub: id,
      roles: ['user', 'admin'],
      email: 'renamed@example.com',
    });
  });
});

describe('npm run cli -- user:role --remove admin', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-role-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("revokes the user's sessions, so their admin token stops working", async () => {
    await resetDatabase();
    const options = TEST_DATABASE_URL ? {} : { dataDir };
    let t = await startApp({}, options);
    let tokens;
    try {
      const http = client(t.url);
      await registerAdmin(http, t.dataSource, 'first@example.com');
      await registerAdmin(http, t.dataSource, 'second@example.com');
      tokens = await login(http, 'second@example.com');
      expect((await http.get('/users', { token: tokens.access_token })).status).toBe(200);
    } finally {
      await t.close();
    }

    const out = await cliRunner(dataDir)('user:role', '--email', 'second@example.com', '--remove', 'admin');
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ email: 'second@example.com', roles: ['user'] });

    t = await startApp({}, options);
    try {
      const http = client(t.url);
      expect((await http.get('/users/me', { token: tokens.access_token })).status).toBe(401);
      expect((await http.get('/users', { token: tokens.access_token })).status).toBe(401);
    } finally {
      await t.close();
    }
  }, 90000);
});
