import { ConflictException } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { UserAdminService } from '../src/users/user-admin.service.js';
import { login, PASSWORD, registerAdmin, type TokenSet } from './support/accounts.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';

const MISSING_ID = '00000000-0000-4000-8000-000000000000';

describe('admin API: GET /users and GET /users/:id', () => {
  let t: TestApp;
  let http: Client;
  let token: string;
  const emails = ['under_score@example.com', 'underxscore@example.com', 'percent@example.org', 'Plain@Example.org'];

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
    await registerAdmin(http, t.dataSource, 'root@example.com');
    token = (await login(http, 'root@example.com')).access_token;
    for (const email of emails) {
      const res = await http.post('/auth/register', { json: { email, password: PASSWORD } });
      expect(res.status).toBe(201);
    }
    // Distinct creation times, oldest first, so "newest first" is observable.
    const order = ['root@example.com', ...emails.map((e) => e.toLowerCase())];
    for (const [i, email] of order.entries()) {
      await t.dataSource.query(
        `UPDATE users SET created_at = now() - interval '1 hour' + $2 * interval '1 minute' WHERE email = $1`,
        [email, i],
      );
    }
  });
  afterAll(() => t.close());

  it('lists newest first with total, page and limit defaults', async () => {
    const res = await http.get('/users', { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 5, page: 1, limit: 20 });
    expect(res.body.items.map((u: any) => u.email)).toEqual([
      'plain@example.org',
      'percent@example.org',
      'underxscore@example.com',
      'under_score@example.com',
      'root@example.com',
    ]);
    expect(Object.keys(res.body.items[0]).sort()).toEqual([
      'created_at',
      'disabled',
      'display_name',
      'email',
      'email_verified',
      'id',
      'mfa_enabled',
      'roles',
      'updated_at',
      'username',
    ]);
    expect(res.text).not.toContain('argon2');
  });

  it('pages without overlap', async () => {
    const first = await http.get('/users?page=1&limit=2', { token });
    const second = await http.get('/users?page=2&limit=2', { token });
    const third = await http.get('/users?page=3&limit=2', { token });
    const beyond = await http.get('/users?page=9&limit=2', { token });
    expect(first.body).toMatchObject({ total: 5, page: 1, limit: 2 });
    expect(second.body).toMatchObject({ total: 5, page: 2, limit: 2 });
    const pages = [first, second, third].flatMap((r) => r.body.items.map((u: any) => u.email));
    expect(pages).toHaveLength(5);
    expect(new Set(pages).size).toBe(5);
    expect(beyond.body).toEqual({ items: [], total: 5, page: 9, limit: 2 });
  });

  it('filters by a case-insensitive email substring, with LIKE wildcards taken literally', async () => {
    const org = await http.get('/users?email=EXAMPLE.ORG', { token });
    expect(org.body.total).toBe(2);
    expect(org.body.items.map((u: any) => u.email)).toEqual(['plain@example.org', 'percent@example.org']);
    const underscore = await http.get('/users?email=under_score', { token });
    expect(underscore.body.items.map((u: any) => u.email)).toEqual(['under_score@example.com']);
    expect((await http.get('/users?email=%25', { token })).body).toMatchObject({ items: [], total: 0 });
    expect((await http.get('/users?email=%5C', { token })).body.total).toBe(0);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'page=0', 'page=-1', 'page=1.5', 'sort=email', 'limit=5&limit=6'])(
    'answers 400 for ?%s',
    async (query) => {
      const res = await http.get(`/users?${query}`, { token });
      expect(res.status).toBe(400);
      expect(res.body.statusCode).toBe(400);
    },
  );

  it('accepts the largest limit', async () => {
    const res = await http.get('/users?limit=100', { token });
    expect(res.status).toBe(200);
    expect(res.body.limit).toBe(100);
  });

  it('reads one user; 404 for a missing id; 400 for a malformed one', async () => {
    const [row] = await t.dataSource.query("SELECT id FROM users WHERE email = 'percent@example.org'");
    const res = await http.get(`/users/${row.id}`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: row.id, email: 'percent@example.org', roles: ['user'] });
    const missing = await http.get(`/users/${MISSING_ID}`, { token });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ statusCode: 404, message: 'User not found' });
    const malformed = await http.get('/users/12345', { token });
    expect(malformed.status).toBe(400);
  });
});

describe('admin API: PATCH and DELETE /users/:id', () => {
  let t: TestApp;
  let http: Client;
  let rootId: string;
  let root: TokenSet;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
    rootId = await registerAdmin(http, t.dataSource, 'root@example.com');
    root = await login(http, 'root@example.com');
  });
  afterAll(() => t.close());

  it('disabling revokes every session at once; enabling lets the user log in again', async () => {
    const { user, tokens } = await registerAndLogin(http, 'eve@example.com');
    const second = await login(http, 'eve@example.com');
    const res = await http.patch(`/users/${user.id}`, { token: root.access_token, json: { disabled: true } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, disabled: true });
    for (const token of [tokens.access_token, second.access_token]) {
      expect((await http.get('/users/me', { token })).status).toBe(401);
    }
    const sessions = await t.dataSource.query('SELECT revoked_reason FROM sessions WHERE user_id = $1', [user.id]);
    expect(sessions).toEqual([{ revoked_reason: 'account_disabled' }, { revoked_reason: 'account_disabled' }]);
    const refused = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'eve@example.com', password: PASSWORD },
    });
    expect(refused.body).toEqual({ error: 'invalid_grant', error_description: 'This account is disabled' });

    const enabled = await http.patch(`/users/${user.id}`, { token: root.access_token, json: { disabled: false } });
    expect(enabled.body.disabled).toBe(false);
    await login(http, 'eve@example.com');
  });

  it('sets and clears email verification; keeps "user" in roles', async () => {
    const { user } = await registerAndLogin(http, 'finn@example.com');
    const verified = await http.patch(`/users/${user.id}`, {
      token: root.access_token,
      json: { email_verified: true, roles: ['user'] },
    });
    expect(verified.body).toMatchObject({ email_verified: true, roles: ['user'] });
    const unverified = await http.patch(`/users/${user.id}`, {
      token: root.access_token,
      json: { email_verified: false },
    });
    expect(unverified.body.email_verified).toBe(false);
    const adminOnly = await http.patch(`/users/${user.id}`, { token: root.access_token, json: { roles: ['admin'] } });
    expect(adminOnly.body.roles).toEqual(['user', 'admin']);
    const none = await http.patch(`/users/${user.id}`, { token: root.access_token, json: { roles: [] } });
    expect(none.body.roles).toEqual(['user']);
  });

  it.each([
    [{ roles: ['superuser'] }, 'roles must be a subset of [user, admin]'],
    [{ roles: 'admin' }, 'roles must be an array'],
    [{ disabled: 'yes' }, 'disabled must be a boolean value'],
    [{ email: 'x@example.com' }, 'property email should not exist'],
    [{ username: 'finn' }, 'property username should not exist'],
  ])('refuses %j with 400', async (json, message) => {
    const [row] = await t.dataSource.query("SELECT id FROM users WHERE email = 'root@example.com'");
    const res = await http.patch(`/users/${row.id}`, { token: root.access_token, json });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(message);
  });

  it('answers 404 for a missing user and 400 for a malformed id', async () => {
    expect(
      (await http.patch(`/users/${MISSING_ID}`, { token: root.access_token, json: { disabled: true } })).status,
    ).toBe(404);
    expect((await http.delete(`/users/${MISSING_ID}`, { token: root.access_token })).status).toBe(404);
    expect((await http.patch('/users/nope', { token: root.access_token, json: { disabled: true } })).status).toBe(400);
    expect((await http.delete('/users/nope', { token: root.access_token })).status).toBe(400);
  });

  it('never lets the last enabled admin lose the role, be disabled or be deleted (409)', async () => {
    const attempts = [
      await http.patch(`/users/${rootId}`, { token: root.access_token, json: { roles: ['user'] } }),
      await http.patch(`/users/${rootId}`, { token: root.access_token, json: { disabled: true } }),
      await http.delete(`/users/${rootId}`, { token: root.access_token }),
      await http.delete('/users/me', { token: root.access_token, json: { password: PASSWORD } }),
    ];
    expect(attempts.map((r) => r.status)).toEqual([409, 409, 409, 409]);
    expect(attempts.map((r) => r.body.message)).toEqual([
      'Cannot remove the admin role from the last enabled admin; make another user admin first',
      'Cannot disable the last enabled admin; make another user admin first',
      'Cannot delete the last enabled admin; make another user admin first',
      'Cannot delete the last enabled admin; make another user admin first',
    ]);
    const [row] = await t.dataSource.query('SELECT roles, disabled_at FROM users WHERE id = $1', [rootId]);
    expect(row).toEqual({ roles: ['user', 'admin'], disabled_at: null });
    expect((await http.get('/users', { token: root.access_token })).status).toBe(200);
  });

  it('lets an admin step down once another enabled admin exists; a disabled admin does not count', async () => {
    const { user: other } = await registerAndLogin(http, 'other-admin@example.com');
    await http.patch(`/users/${other.id}`, { token: root.access_token, json: { roles: ['admin'], disabled: true } });
    const stillLast = await http.patch(`/users/${rootId}`, { token: root.access_token, json: { roles: ['user'] } });
    expect(stillLast.status).toBe(409);

    await http.patch(`/users/${other.id}`, { token: root.access_token, json: { disabled: false } });
    const otherAdmin = await login(http, 'other-admin@example.com');
    const stepDown = await http.patch(`/users/${rootId}`, { token: root.access_token, json: { roles: ['user'] } });
    expect(stepDown.status).toBe(200);
    expect(stepDown.body.roles).toEqual(['user']);
    // The new last admin is protected in turn; the former one can be promoted back.
    const refused = await http.delete(`/users/${other.id}`, { token: otherAdmin.access_token });
    expect(refused.status).toBe(409);
    const back = await http.patch(`/users/${rootId}`, { token: otherAdmin.access_token, json: { roles: ['admin'] } });
    expect(back.body.roles).toEqual(['user', 'admin']);
    root = await login(http, 'root@example.com');
  });

  it('two admins demoting each other at the same time leave one admin', async () => {
    const [a] = await t.dataSource.query("SELECT id FROM users WHERE email = 'root@example.com'");
    const [b] = await t.dataSource.query("SELECT id FROM users WHERE email = 'other-admin@example.com'");
    const tokenB = (await login(http, 'other-admin@example.com')).access_token;
    const results = await Promise.all([
      http.patch(`/users/${b.id}`, { token: root.access_token, json: { roles: ['user'] } }),
      http.patch(`/users/${a.id}`, { token: tokenB, json: { roles: ['user'] } }),
    ]);
    // The loser is refused by the role check (the winner committed first), by the admin lock, or
    // as unauthenticated: the winner's demotion revoked the loser's session (401).
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect([401, 403, 409]).toContain(statuses.find((s) => s !== 200));
    const admins = await t.dataSource.query("SELECT id FROM users WHERE 'admin' = ANY(roles) AND disabled_at IS NULL");
    expect(admins).toHaveLength(1);

    // Past the HTTP guards, straight at the service: the row lock alone must hold the line.
    const service = t.app.get(UserAdminService);
    await t.dataSource.query("UPDATE users SET roles = '{user,admin}' WHERE id IN ($1, $2)", [a.id, b.id]);
    const settled = await Promise.allSettled([
      service.update(a.id, { roles: ['user'] }),
      service.update(b.id, { disabled: true }),
    ]);
    expect(settled.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = settled.find((r) => r.status === 'rejected')!;
    expect(rejected.reason).toBeInstanceOf(ConflictException);
    const left = await t.dataSource.query("SELECT id FROM users WHERE 'admin' = ANY(roles) AND disabled_at IS NULL");
    expect(left).toHaveLength(1);
    await t.dataSource.query("UPDATE users SET roles = '{user,admin}', disabled_at = NULL WHERE id = $1", [a.id]);
    root = await login(http, 'root@example.com');
  });

  it('deletes a user with its sessions; the email can register again', async () => {
    const { user, tokens } = await registerAndLogin(http, 'gone@example.com');
    const admin = root;
    const res = await http.delete(`/users/${user.id}`, { token: admin.access_token });
    expect(res.status).toBe(204);
    expect((await http.get('/users/me', { token: tokens.access_token })).status).toBe(401);
    expect(await t.dataSource.query('SELECT id FROM sessions WHERE user_id = $1', [user.id])).toEqual([]);
    expect(
      await t.dataSource.query('SELECT id FROM refresh_tokens WHERE session_id = $1', [
        decodeJwt(tokens.access_token).sid,
      ]),
    ).toEqual([]);
    expect((await http.get(`/users/${user.id}`, { token: admin.access_token })).status).toBe(404);
    expect(
      (await http.post('/auth/register', { json: { email: 'gone@example.com', password: PASSWORD } })).status,
    ).toBe(201);
  });
});
