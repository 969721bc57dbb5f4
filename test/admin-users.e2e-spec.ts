import { decodeJwt } from 'jose';
import { login, PASSWORD, registerAdmin, type TokenSet } from './support/accounts.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';

const MISSING_ID = '00000000-0000-4000-8000-000000000000';

describe('roles and scopes: what a plain user cannot do', () => {
  let t: TestApp;
  let http: Client;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
    const a = await registerAndLogin(http, 'alice@example.com');
    const b = await registerAndLogin(http, 'bob@example.com');
    alice = { id: a.user.id, token: a.tokens.access_token };
    bob = { id: b.user.id, token: b.tokens.access_token };
  });
  afterAll(() => t.close());

  it("cannot read, change or delete another user's account through the admin routes (403)", async () => {
    const requests = [
      () => http.get('/users', { token: alice.token }),
      () => http.get(`/users/${bob.id}`, { token: alice.token }),
      () => http.patch(`/users/${bob.id}`, { token: alice.token, json: { disabled: true } }),
      () => http.patch(`/users/${bob.id}`, { token: alice.token, json: { email_verified: false } }),
      () => http.delete(`/users/${bob.id}`, { token: alice.token }),
      () => http.get(`/users/${MISSING_ID}`, { token: alice.token }),
      () => http.get('/users/not-a-uuid', { token: alice.token }),
    ];
    for (const send of requests) {
      const res = await send();
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        statusCode: 403,
        error: 'Forbidden',
        message: 'This route requires the admin role',
      });
    }
    const [row] = await t.dataSource.query('SELECT disabled_at, roles FROM users WHERE id = $1', [bob.id]);
    expect(row).toEqual({ disabled_at: null, roles: ['user'] });
    expect((await http.get('/users/me', { token: bob.token })).status).toBe(200);
  });

  it('cannot grant itself admin by any request', async () => {
    const attempts = [
      await http.patch(`/users/${alice.id}`, { token: alice.token, json: { roles: ['user', 'admin'] } }),
      await http.patch('/users/me', { token: alice.token, json: { roles: ['user', 'admin'] } }),
      await http.patch('/users/me', { token: alice.token, json: { username: 'alice', roles: ['admin'] } }),
      await http.put('/users/me/password', {
        token: alice.token,
        json: { current_password: PASSWORD, new_password: 'another passphrase 1', roles: ['admin'] },
      }),
      await http.post('/auth/register', {
        json: { email: 'mallory@example.com', password: PASSWORD, roles: ['user', 'admin'] },
      }),
      await http.post('/auth/register', {
        form: { email: 'mallory@example.com', password: PASSWORD, roles: 'admin' },
      }),
    ];
    expect(attempts.map((r) => r.status)).toEqual([403, 400, 400, 400, 400, 400]);
    const scoped = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'alice@example.com', password: PASSWORD, scope: 'users:write' },
    });
    expect(scoped.status).toBe(400);

    const rows = await t.dataSource.query("SELECT email FROM users WHERE 'admin' = ANY(roles)");
    expect(rows).toEqual([]);
    const fresh = await login(http, 'alice@example.com');
    expect(decodeJwt(fresh.access_token)).toMatchObject({ roles: ['user'], scope: 'profile' });
  });

  it('gets invalid_scope when asking for users:read', async () => {
    const res = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'alice@example.com', password: PASSWORD, scope: 'users:read' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_scope',
      error_description: 'The requested scope is unknown or not allowed for this account',
    });
  });
});

describe('roles and scopes: admins', () => {
  let t: TestApp;
  let http: Client;
  let adminId: string;
  let admin: TokenSet;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
    adminId = await registerAdmin(http, t.dataSource, 'root@example.com');
    admin = await login(http, 'root@example.com');
  });
  afterAll(() => t.close());

  it('get users:read in the token scope claim when they ask for it', async () => {
    const res = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'root@example.com', password: PASSWORD, scope: 'users:read' },
    });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('users:read');
    expect(decodeJwt(res.body.access_token)).toMatchObject({ scope: 'users:read', roles: ['user', 'admin'] });
    expect(decodeJwt(admin.access_token).scope).toBe('profile users:read users:write');
  });

  it('need the route scope in the token: 403 insufficient_scope with RFC 6750 WWW-Authenticate', async () => {
    const readOnly = await login(http, 'root@example.com', PASSWORD, 'users:read');
    expect((await http.get('/users', { token: readOnly.access_token })).status).toBe(200);
    expect((await http.get(`/users/${adminId}`, { token: readOnly.access_token })).status).toBe(200);

    const patch = await http.patch(`/users/${adminId}`, {
      token: readOnly.access_token,
      json: { email_verified: true },
    });
    expect(patch.status).toBe(403);
    expect(patch.headers.get('www-authenticate')).toBe(
      'Bearer realm="warden", error="insufficient_scope", scope="users:write"',
    );
    expect(patch.body.message).toBe(
      'The access token lacks the users:write scope; request it at /auth/token (scope=users:write)',
    );
    const del = await http.delete(`/users/${adminId}`, { token: readOnly.access_token });
    expect(del.status).toBe(403);
    expect(del.headers.get('www-authenticate')).toContain('error="insufficient_scope"');

    const me = await http.get('/users/me', { token: readOnly.access_token });
    expect(me.status).toBe(403);
    expect(me.headers.get('www-authenticate')).toBe(
      'Bearer realm="warden", error="insufficient_scope", scope="profile"',
    );

    const profileOnly = await login(http, 'root@example.com', PASSWORD, 'profile');
    const list = await http.get('/users', { token: profileOnly.access_token });
    expect(list.status).toBe(403);
    expect(list.headers.get('www-authenticate')).toBe(
      'Bearer realm="warden", error="insufficient_scope", scope="users:read"',
    );
  });

  it('can make another user admin, who then gets the admin scopes', async () => {
    const { user } = await registerAndLogin(http, 'carol@example.com');
    const res = await http.patch(`/users/${user.id}`, { token: admin.access_token, json: { roles: ['admin'] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, roles: ['user', 'admin'] });
    const carol = await login(http, 'carol@example.com');
    expect(decodeJwt(carol.access_token)).toMatchObject({
      roles: ['user', 'admin'],
      scope: 'profile users:read users:write',
    });
    expect((await http.get('/users', { token: carol.access_token })).status).toBe(200);
  });

  it('lose the admin routes as soon as the role is removed: the older token dies with its session', async () => {
    const { user } = await registerAndLogin(http, 'dan@example.com');
    await http.patch(`/users/${user.id}`, { token: admin.access_token, json: { roles: ['user', 'admin'] } });
    const dan = await login(http, 'dan@example.com');
    expect((await http.get('/users', { token: dan.access_token })).status).toBe(200);
    const demoted = await http.patch(`/users/${user.id}`, { token: admin.access_token, json: { roles: [] } });
    expect(demoted.body.roles).toEqual(['user']);
    // The token still says admin, so removing the role revoked the session it names.
    expect((await http.get('/users', { token: dan.access_token })).status).toBe(401);
    expect((await http.get('/users/me', { token: dan.access_token })).status).toBe(401);
    const again = await login(http, 'dan@example.com');
    const res = await http.get('/users', { token: again.access_token });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('This route requires the admin role');
  });
});
