import { createHash } from 'node:crypto';
import { AuditService } from '../src/audit/audit.service.js';
import { login, PASSWORD, registerAdmin } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('OAuth clients: the admin routes', () => {
  let t: TestApp;
  let http: Client;
  let admin: string;
  let adminId: string;
  /** Every secret the tests saw: none may appear in a log line, an audit row or another response. */
  const secrets: string[] = [];

  const create = (json: Record<string, unknown>, token = admin) => http.post('/clients', { json, token });

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
    adminId = await registerAdmin(http, t.dataSource, 'clients-admin@example.com');
    admin = (await login(http, 'clients-admin@example.com', PASSWORD, 'profile users:read users:write')).access_token;
  });
  afterAll(() => t.close());

  it('registers a public client with the defaults and no secret', async () => {
    const res = await create({ name: 'SPA', redirect_uris: ['https://spa.example.com/cb'] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      client_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'SPA',
      type: 'public',
      redirect_uris: ['https://spa.example.com/cb'],
      post_logout_redirect_uris: [],
      grant_types: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email'],
      first_party: false,
      created_at: expect.stringMatching(/Z$/),
    });
    const [row] = await t.dataSource.query('SELECT type, secret_hash FROM oauth_clients WHERE id = $1', [
      res.body.client_id,
    ]);
    expect(row).toEqual({ type: 'public', secret_hash: null });
  });

  it('shows a confidential client its secret once, and keeps only its SHA-256', async () => {
    const res = await create({
      name: 'Backend',
      type: 'confidential',
      redirect_uris: ['https://app.example.com/cb', 'http://127.0.0.1/cb', 'com.example.app:/cb'],
      post_logout_redirect_uris: ['https://app.example.com/'],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['profile', 'users:read'],
      first_party: true,
    });
    expect(res.status).toBe(201);
    const secret = res.body.client_secret as string;
    secrets.push(secret);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const [row] = await t.dataSource.query('SELECT secret_hash FROM oauth_clients WHERE id = $1', [res.body.client_id]);
    expect(row.secret_hash).toBe(sha256(secret));

    const one = await http.get(`/clients/${res.body.client_id}`, { token: admin });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ client_id: res.body.client_id, type: 'confidential', first_party: true });
    expect(one.body).not.toHaveProperty('client_secret');
    const list = await http.get('/clients', { token: admin });
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(['Backend', 'SPA']);
    expect(list.body.total).toBe(2);
    for (const body of [one.text, list.text]) {
      expect(body).not.toContain(secret);
      expect(body).not.toContain(sha256(secret));
    }
  });

  it.each([
    [{ name: 'x', redirect_uris: ['http://app.example.com/cb'] }, /loopback/],
    [{ name: 'x', redirect_uris: ['https://app.example.com/cb#f'] }, /fragment/],
    [{ name: 'x', redirect_uris: ['/relative'] }, /absolute/],
    [{ name: 'x', redirect_uris: ['javascript:alert(1)'] }, /private-use/],
    [{ name: 'x', redirect_uris: [] }, /at least one redirect URI/],
    [{ name: 'x' }, /at least one redirect URI/],
    [{ name: 'x', redirect_uris: ['https://a.example/cb'], grant_types: ['client_credentials'] }, /confidential/],
    [{ name: 'x', type: 'confidential', grant_types: ['refresh_token'] }, /refresh_token comes with/],
    [{ name: 'x', redirect_uris: ['https://a.example/cb'], scopes: ['root'] }, /scopes must be a subset/],
    [{ name: 'x', redirect_uris: ['https://a.example/cb'], grant_types: ['implicit'] }, /grant_types must be/],
    [{ name: 'x', redirect_uris: ['https://a.example/cb'], type: 'secret' }, /type/],
    [{ name: '', redirect_uris: ['https://a.example/cb'] }, /name/],
    [{ name: 'x', redirect_uris: ['https://a.example/cb'], client_secret: 'mine' }, /client_secret should not exist/],
  ])('refuses %j with 400 and registers nothing', async (body, message) => {
    const before = await t.dataSource.query('SELECT count(*)::int AS n FROM oauth_clients');
    const res = await create(body);
    expect(res.status).toBe(400);
    expect([res.body.message].flat().join(' ')).toMatch(message);
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM oauth_clients')).toEqual(before);
  });

  it('changes name, redirect URIs, scopes and first_party, and refuses what cannot change', async () => {
    const made = await create({ name: 'Old', redirect_uris: ['https://old.example.com/cb'] });
    const id = made.body.client_id as string;
    const res = await http.patch(`/clients/${id}`, {
      token: admin,
      json: {
        name: 'New',
        redirect_uris: ['https://new.example.com/cb'],
        post_logout_redirect_uris: ['https://new.example.com/'],
        scopes: ['profile'],
        first_party: true,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      client_id: id,
      name: 'New',
      redirect_uris: ['https://new.example.com/cb'],
      post_logout_redirect_uris: ['https://new.example.com/'],
      scopes: ['profile'],
      first_party: true,
    });
    for (const json of [
      { type: 'confidential' },
      { grant_types: ['client_credentials'] },
      { redirect_uris: [] },
      { redirect_uris: ['http://evil.example.com/cb'] },
    ]) {
      expect((await http.patch(`/clients/${id}`, { token: admin, json })).status).toBe(400);
    }
    expect((await http.get(`/clients/${id}`, { token: admin })).body.redirect_uris).toEqual([
      'https://new.example.com/cb',
    ]);
  });

  it('answers 404 for a missing client and 400 for a malformed id', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await http.get(`/clients/${missing}`, { token: admin })).status).toBe(404);
    expect((await http.patch(`/clients/${missing}`, { token: admin, json: { name: 'x' } })).status).toBe(404);
    expect((await http.delete(`/clients/${missing}`, { token: admin })).status).toBe(404);
    expect((await http.post(`/clients/${missing}/secret`, { token: admin })).status).toBe(404);
    expect((await http.get('/clients/not-a-uuid', { token: admin })).status).toBe(400);
  });

  it('rotates a secret: the new one is shown once and the old one stops working', async () => {
    const made = await create({ name: 'Rotating', type: 'confidential', grant_types: ['client_credentials'] });
    const id = made.body.client_id as string;
    const old = made.body.client_secret as string;
    secrets.push(old);
    const basic = (secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const grant = (secret: string) =>
      http.post('/auth/token', {
        form: { grant_type: 'client_credentials' },
        headers: { authorization: basic(secret) },
      });
    expect((await grant(old)).status).toBe(200);
    const rotated = await http.post(`/clients/${id}/secret`, { token: admin });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const fresh = rotated.body.client_secret as string;
    secrets.push(fresh);
    expect(fresh).not.toBe(old);
    expect((await grant(old)).status).toBe(401);
    expect((await grant(fresh)).status).toBe(200);

    const spa = await create({ name: 'Public', redirect_uris: ['https://p.example.com/cb'] });
    const refused = await http.post(`/clients/${spa.body.client_id}/secret`, { token: admin });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/public client has no secret/);
  });

  it('lets only admins with users:write or the clients scopes in', async () => {
    await http.post('/auth/register', { json: { email: 'plain@example.com', password: PASSWORD } });
    const user = (await login(http, 'plain@example.com')).access_token;
    expect((await http.get('/clients', { token: user })).status).toBe(403);
    expect((await create({ name: 'x', redirect_uris: ['https://a.example/cb'] }, user)).status).toBe(403);
    expect((await http.get('/clients')).status).toBe(401);

    const readOnly = (await login(http, 'clients-admin@example.com', PASSWORD, 'users:read')).access_token;
    const denied = await http.get('/clients', { token: readOnly });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('insufficient_scope');

    const reader = (await login(http, 'clients-admin@example.com', PASSWORD, 'clients:read')).access_token;
    expect((await http.get('/clients', { token: reader })).status).toBe(200);
    expect((await create({ name: 'x', redirect_uris: ['https://a.example/cb'] }, reader)).status).toBe(403);

    const writer = (await login(http, 'clients-admin@example.com', PASSWORD, 'clients:write')).access_token;
    expect((await http.get('/clients', { token: writer })).status).toBe(200);
    const made = await create({ name: 'By writer', redirect_uris: ['https://w.example/cb'] }, writer);
    expect(made.status).toBe(201);
    expect((await http.delete(`/clients/${made.body.client_id}`, { token: writer })).status).toBe(204);

    // The default password grant of an admin does not carry the clients scopes.
    const defaults = await login(http, 'clients-admin@example.com');
    expect(defaults.scope).toBe('profile users:read users:write');
  });

  it('deleting a client revokes its sessions at once, and leaves other sessions alone', async () => {
    const made = await create({ name: 'Doomed', redirect_uris: ['https://d.example.com/cb'] });
    const id = made.body.client_id as string;
    await http.post('/auth/register', { json: { email: 'delegate@example.com', password: PASSWORD } });
    const own = await login(http, 'delegate@example.com');
    const [user] = await t.dataSource.query(`SELECT id FROM users WHERE email = 'delegate@example.com'`);
    // A session opened for the client, as the authorization-code grant opens it.
    const { LoginService } = await import('../src/auth/login.service.js');
    const { UsersService } = await import('../src/users/users.service.js');
    const found = await t.app.get(UsersService).findById(user.id);
    const issued = await t.app
      .get(LoginService)
      .complete({ user: found!, passwordHash: null, acr: 'aal1', amr: ['pwd'] }, {}, 'profile', 'token', {
        clientId: id,
      });
    expect((await http.get('/users/me', { token: issued.accessToken })).status).toBe(200);
    const del = await http.delete(`/clients/${id}`, { token: admin });
    expect(del.status).toBe(204);
    const after = await http.get('/users/me', { token: issued.accessToken });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('invalid_token');
    const refresh = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: issued.refreshToken, client_id: id },
    });
    expect(refresh.status).toBe(401);
    expect(refresh.body.error).toBe('invalid_client');
    expect(await t.dataSource.query('SELECT id FROM sessions WHERE client_id = $1', [id])).toEqual([]);
    expect((await http.get('/users/me', { token: own.access_token })).status).toBe(200);
    expect((await http.get(`/clients/${id}`, { token: admin })).status).toBe(404);
  });

  it('leaves no live session of a client deleted while sessions are being opened for it', async () => {
    const made = await create({ name: 'Racing', redirect_uris: ['https://race.example.com/cb'] });
    const id = made.body.client_id as string;
    const { LoginService } = await import('../src/auth/login.service.js');
    const { UsersService } = await import('../src/users/users.service.js');
    const [row] = await t.dataSource.query(`SELECT id FROM users WHERE email = 'delegate@example.com'`);
    const user = (await t.app.get(UsersService).findById(row.id))!;
    const open = () =>
      t.app
        .get(LoginService)
        .complete({ user, passwordHash: null, acr: 'aal1', amr: ['pwd'] }, {}, 'profile', 'token', { clientId: id });
    const results = await Promise.allSettled([
      open(),
      open(),
      open(),
      http.delete(`/clients/${id}`, { token: admin }),
      open(),
      open(),
      open(),
    ]);
    expect(results[3]).toMatchObject({ status: 'fulfilled', value: { status: 204 } });
    expect(await t.dataSource.query('SELECT id FROM sessions WHERE client_id = $1', [id])).toEqual([]);
    for (const result of results) {
      if (result.status !== 'fulfilled' || !('accessToken' in result.value)) continue;
      expect((await http.get('/users/me', { token: result.value.accessToken })).status).toBe(401);
    }
  });

  it('records create, update, rotation and delete in the audit log, naming the admin and never a secret', async () => {
    const made = await create({ name: 'Audited', type: 'confidential', grant_types: ['client_credentials'] });
    const id = made.body.client_id as string;
    secrets.push(made.body.client_secret);
    await http.patch(`/clients/${id}`, { token: admin, json: { name: 'Audited 2' } });
    secrets.push((await http.post(`/clients/${id}/secret`, { token: admin })).body.client_secret);
    await http.delete(`/clients/${id}`, { token: admin });
    await t.app.get(AuditService).flush();
    const rows: Array<{ type: string; user_id: string; details: Record<string, unknown> }> = await t.dataSource.query(
      `SELECT type, user_id, details FROM auth_events WHERE details->>'client_id' = $1 ORDER BY created_at, id`,
      [id],
    );
    expect(rows.map((r) => r.type)).toEqual([
      'client_created',
      'client_updated',
      'client_secret_rotated',
      'client_deleted',
    ]);
    for (const row of rows) {
      expect(row.user_id).toBe(adminId);
      expect(row.details).toMatchObject({ client_id: id, actor_id: adminId, via: 'api' });
    }
    expect(rows[1].details.fields).toEqual(['name']);
  });

  it('never writes a client secret or its hash into the log or the audit rows', async () => {
    await t.app.get(AuditService).flush();
    const audit: Array<{ row: string }> = await t.dataSource.query(
      'SELECT row_to_json(e)::text AS row FROM auth_events e',
    );
    const logs = t.logs.join('\n');
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(sha256(secret));
      expect(audit.filter(({ row }) => row.includes(secret) || row.includes(sha256(secret)))).toEqual([]);
    }
  });
});
