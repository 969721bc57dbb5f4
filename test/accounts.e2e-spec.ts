import { decodeJwt } from 'jose';
import { login, PASSWORD } from './support/accounts.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';

const NEW_PASSWORD = 'a brand new passphrase 7';

describe('self-service: PATCH /users/me', () => {
  let t: TestApp;
  let http: Client;
  let token: string;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
    token = (await registerAndLogin(http, 'erin@example.com')).tokens.access_token;
    await registerAndLogin(http, 'frank@example.com');
    await http.patch('/users/me', {
      token: (await login(http, 'frank@example.com')).access_token,
      json: { username: 'frank' },
    });
  });
  afterAll(() => t.close());

  it('changes username (stored lower-case) and display name', async () => {
    const res = await http.patch('/users/me', { token, json: { username: ' Erin.E ', display_name: ' Erin E. ' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: 'erin@example.com', username: 'erin.e', display_name: 'Erin E.' });
    expect(Object.keys(res.body).sort()).toEqual([
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
    const me = await http.get('/users/me', { token });
    expect(me.body).toMatchObject({ username: 'erin.e', display_name: 'Erin E.' });
    const byUsername = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'ERIN.E', password: PASSWORD },
    });
    expect(byUsername.status).toBe(200);
  });

  it('clears the display name with null and leaves other fields alone', async () => {
    const res = await http.patch('/users/me', { token, json: { display_name: null } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: 'erin.e', display_name: null });
    const empty = await http.patch('/users/me', { token, json: {} });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ username: 'erin.e', display_name: null });
  });

  it('removes the username with null; an empty string is refused', async () => {
    const { tokens } = await registerAndLogin(http, 'nameless@example.com');
    const token = tokens.access_token;
    expect((await http.patch('/users/me', { token, json: { username: 'nameless' } })).body.username).toBe('nameless');
    const cleared = await http.patch('/users/me', { token, json: { username: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.username).toBeNull();
    expect((await http.patch('/users/me', { token, json: { username: '' } })).status).toBe(400);
    const [row] = await t.dataSource.query("SELECT username FROM users WHERE email = 'nameless@example.com'");
    expect(row.username).toBeNull();
  });

  it('answers 409 for a username someone else has', async () => {
    const res = await http.patch('/users/me', { token, json: { username: 'FRANK' } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ statusCode: 409, message: 'Username is already taken' });
  });

  it.each([
    [{ username: 'ab' }, 'username must be 3 to 32 characters'],
    [{ username: 'a'.repeat(33) }, 'username must be 3 to 32 characters'],
    [{ username: 'erin@example.com' }, 'username must be 3 to 32 characters'],
    [{ username: 'with space' }, 'username must be 3 to 32 characters'],
    [{ display_name: 'x'.repeat(101) }, 'display_name must be shorter than or equal to 100 characters'],
    [{ display_name: 42 }, 'display_name must be a string'],
  ])('refuses %j with 400', async (json, message) => {
    const res = await http.patch('/users/me', { token, json });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  it.each([
    { roles: ['user', 'admin'] },
    { email_verified: true },
    { disabled: false },
    { email: 'other@example.com' },
    { password_hash: 'x' },
    { id: '00000000-0000-4000-8000-000000000000' },
    { username: 'erin2', roles: ['admin'] },
  ])('refuses a field the user may not write: %j → 400, nothing changes', async (json) => {
    const res = await http.patch('/users/me', { token, json });
    expect(res.status).toBe(400);
    expect(res.body.statusCode).toBe(400);
    expect(res.body.message.join(' ')).toMatch(/should not exist/);
    const me = await http.get('/users/me', { token });
    expect(me.body).toMatchObject({ email: 'erin@example.com', username: 'erin.e', roles: ['user'] });
  });

  it('refuses a form body (JSON only) and a missing token', async () => {
    const form = await http.patch('/users/me', { token, form: { username: 'erin3' } });
    expect(form.status).toBe(415);
    const anonymous = await http.patch('/users/me', { json: { username: 'erin3' } });
    expect(anonymous.status).toBe(401);
  });
});

describe('self-service: PUT /users/me/password', () => {
  let t: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('swaps the password, revokes the other sessions and keeps the current one', async () => {
    const { user, tokens: current } = await registerAndLogin(http, 'gina@example.com');
    const other = await login(http, 'gina@example.com');
    const third = await login(http, 'gina@example.com');
    expect((await http.get('/users/me', { token: other.access_token })).status).toBe(200);

    const res = await http.put('/users/me/password', {
      token: current.access_token,
      json: { current_password: PASSWORD, new_password: NEW_PASSWORD },
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    const oldLogin = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'gina@example.com', password: PASSWORD },
    });
    expect(oldLogin.status).toBe(400);
    expect(oldLogin.body.error).toBe('invalid_grant');
    expect((await login(http, 'gina@example.com', NEW_PASSWORD)).access_token).toEqual(expect.any(String));

    for (const revoked of [other, third]) {
      const me = await http.get('/users/me', { token: revoked.access_token });
      expect(me.status).toBe(401);
      expect(me.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');
    }
    expect((await http.get('/users/me', { token: current.access_token })).status).toBe(200);

    const sessions = await t.dataSource.query(
      'SELECT id, revoked_reason FROM sessions WHERE user_id = $1 ORDER BY created_at',
      [user.id],
    );
    const reasons = Object.fromEntries(sessions.map((s: any) => [s.id, s.revoked_reason]));
    expect(reasons[decodeJwt(current.access_token).sid as string]).toBeNull();
    expect(reasons[decodeJwt(other.access_token).sid as string]).toBe('password_change');
    expect(reasons[decodeJwt(third.access_token).sid as string]).toBe('password_change');
    const [row] = await t.dataSource.query('SELECT password_hash FROM users WHERE id = $1', [user.id]);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    const notices = await t.dataSource.query(
      'SELECT subject FROM mail_outbox WHERE to_address = $1 ORDER BY created_at',
      ['gina@example.com'],
    );
    expect(notices.map((n: { subject: string }) => n.subject)).toContain('Your Warden password was changed');
  });

  it('answers 403 for a wrong current password and changes nothing', async () => {
    const { tokens } = await registerAndLogin(http, 'hank@example.com');
    const other = await login(http, 'hank@example.com');
    const res = await http.put('/users/me/password', {
      token: tokens.access_token,
      json: { current_password: 'not my password', new_password: NEW_PASSWORD },
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden', message: 'Current password is incorrect' });
    expect((await http.get('/users/me', { token: other.access_token })).status).toBe(200);
    await login(http, 'hank@example.com', PASSWORD);
  });

  it.each([
    ['short', 'new_password must be at least 8 characters'],
    ['password123', 'new_password is too common'],
    ['x'.repeat(129), 'new_password must be at most 128 characters'],
  ])('refuses the new password %j with 400 naming the reason', async (newPassword, reason) => {
    const { tokens } = await registerAndLogin(http, `weak${newPassword.length}@example.com`);
    const res = await http.put('/users/me/password', {
      token: tokens.access_token,
      json: { current_password: PASSWORD, new_password: newPassword },
    });
    expect(res.status).toBe(400);
    expect(res.body.message.join(' ')).toContain(reason);
    await login(http, `weak${newPassword.length}@example.com`, PASSWORD);
  });

  it('answers 400 naming missing fields and never logs the passwords', async () => {
    const { tokens } = await registerAndLogin(http, 'ivy@example.com');
    const res = await http.put('/users/me/password', { token: tokens.access_token, json: {} });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining(['current_password should not be empty', 'new_password should not be empty']),
    );
    expect(t.logs.join('\n')).not.toContain(NEW_PASSWORD);
    expect(t.logs.join('\n')).not.toContain(PASSWORD);
  });
});
