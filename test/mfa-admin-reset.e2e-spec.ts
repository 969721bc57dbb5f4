import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { login, PASSWORD, registerAdmin } from './support/accounts.js';
import { resetDatabase, startApp, TEST_DATABASE_URL, type TestApp } from './support/app.js';
import { cliRunner } from './support/cli.js';
import { client, type Client } from './support/http.js';
import { enableMfa, mailWithSubject, rowsOf } from './support/mfa.js';
import { mailEnv, SmtpSink } from './support/smtp-sink.js';

const OFF = 'Two-factor authentication is off for your Warden account';

describe('admin MFA reset: DELETE /users/:id/mfa', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let http: Client;
  let root: string;
  let rootId: string;

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    t = await startApp(mailEnv(sink));
    http = client(t.url);
    rootId = await registerAdmin(http, t.dataSource, 'root@example.com');
    root = (await login(http, 'root@example.com')).access_token;
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  async function mfaUser(email: string): Promise<{ id: string; tokens: string[] }> {
    const registered = await http.post('/auth/register', { json: { email, password: PASSWORD } });
    const first = (await login(http, email)).access_token;
    const second = (await login(http, email)).access_token;
    await enableMfa(http, first);
    return { id: registered.body.id as string, tokens: [first, second] };
  }

  it('removes every factor and recovery code, revokes every session, mails the user and records the admin', async () => {
    const user = await mfaUser('lost-phone@example.com');
    expect((await http.get(`/users/${user.id}`, { token: root })).body.mfa_enabled).toBe(true);

    const res = await http.delete(`/users/${user.id}/mfa`, { token: root });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await rowsOf(t.dataSource, 'mfa_factors', user.id)).toBe(0);
    expect(await rowsOf(t.dataSource, 'mfa_recovery_codes', user.id)).toBe(0);
    expect(await rowsOf(t.dataSource, 'sessions', user.id, 'revoked_at IS NULL')).toBe(0);
    expect(await rowsOf(t.dataSource, 'sessions', user.id, `revoked_reason = 'mfa_reset'`)).toBe(2);
    for (const token of user.tokens) expect((await http.get('/users/me', { token })).status).toBe(401);
    expect((await http.get(`/users/${user.id}`, { token: root })).body.mfa_enabled).toBe(false);

    const mail = await mailWithSubject(sink, 'lost-phone@example.com', OFF);
    expect(mail.text).toContain('An administrator removed the two-factor authentication');
    const events = await t.dataSource.query(
      `SELECT type, details, ip FROM auth_events WHERE user_id = $1 AND type = 'mfa_reset_by_admin'`,
      [user.id],
    );
    expect(events).toEqual([
      { type: 'mfa_reset_by_admin', details: { actor_id: rootId, via: 'api' }, ip: '127.0.0.1' },
    ]);

    // The password alone signs in again.
    const fresh = await login(http, 'lost-phone@example.com');
    expect((await http.get('/users/me', { token: fresh.access_token })).body.mfa_enabled).toBe(false);
  });

  it('leaves a user without MFA as is (204, sessions kept, no mail, no event)', async () => {
    await http.post('/auth/register', { json: { email: 'no-mfa@example.com', password: PASSWORD } });
    const token = (await login(http, 'no-mfa@example.com')).access_token;
    const me = (await http.get('/users/me', { token })).body;
    expect((await http.delete(`/users/${me.id}/mfa`, { token: root })).status).toBe(204);
    expect((await http.get('/users/me', { token })).status).toBe(200);
    expect(sink.to('no-mfa@example.com').filter((m) => m.subject === OFF)).toEqual([]);
    expect(await rowsOf(t.dataSource, 'auth_events', me.id, `type = 'mfa_reset_by_admin'`)).toBe(0);
  });

  it('needs an admin with users:write: 403 for a user or a users:read token, 404 unknown, 400 malformed', async () => {
    const user = await mfaUser('guarded@example.com');
    expect((await http.delete(`/users/${user.id}/mfa`, { token: user.tokens[0] })).status).toBe(403);
    const readOnly = (await login(http, 'root@example.com', PASSWORD, 'users:read')).access_token;
    const scoped = await http.delete(`/users/${user.id}/mfa`, { token: readOnly });
    expect(scoped.status).toBe(403);
    expect(scoped.headers.get('www-authenticate')).toContain('insufficient_scope');
    expect((await http.delete(`/users/${user.id}/mfa`)).status).toBe(401);
    const unknown = await http.delete('/users/00000000-0000-4000-8000-000000000000/mfa', { token: root });
    expect(unknown.status).toBe(404);
    expect((await http.delete('/users/nope/mfa', { token: root })).status).toBe(400);
    expect(await rowsOf(t.dataSource, 'mfa_factors', user.id)).toBe(1);
    expect((await http.get('/users/me', { token: user.tokens[1] })).body.mfa_enabled).toBe(true);
  });
});

describe('npm run cli -- user:mfa-reset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-mfa-'));
  const dataDir = join(dir, 'data');
  const cli = cliRunner(dataDir);
  const open = (): Promise<TestApp> => startApp({}, TEST_DATABASE_URL ? {} : { dataDir });

  beforeAll(() => resetDatabase());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('does what the API reset does, recorded as via cli', async () => {
    let t = await open();
    const http = client(t.url);
    const registered = await http.post('/auth/register', {
      json: { email: 'cli-mfa@example.com', password: PASSWORD },
    });
    const userId = registered.body.id as string;
    const token = (await login(http, 'cli-mfa@example.com')).access_token;
    await enableMfa(http, token);
    await t.close();

    const res = await cli('user:mfa-reset', '--email', 'CLI-MFA@example.com');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ id: userId, email: 'cli-mfa@example.com', mfa_enabled: false });
    const missing = await cli('user:mfa-reset', '--email', 'nobody@example.com');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No user with the email nobody@example.com');
    const usage = await cli('user:mfa-reset');
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('user:mfa-reset needs --email E');

    t = await open();
    try {
      expect(await rowsOf(t.dataSource, 'mfa_factors', userId)).toBe(0);
      expect(await rowsOf(t.dataSource, 'mfa_recovery_codes', userId)).toBe(0);
      expect(await rowsOf(t.dataSource, 'sessions', userId, 'revoked_at IS NULL')).toBe(0);
      const events = await t.dataSource.query(
        `SELECT details FROM auth_events WHERE user_id = $1 AND type = 'mfa_reset_by_admin'`,
        [userId],
      );
      expect(events).toEqual([{ details: { actor_id: null, via: 'cli' } }]);
      const outbox = await t.dataSource.query(
        'SELECT subject FROM mail_outbox WHERE to_address = $1 AND subject = $2',
        ['cli-mfa@example.com', OFF],
      );
      expect(outbox).toHaveLength(1);
      expect((await client(t.url).get('/users/me', { token })).status).toBe(401);
    } finally {
      await t.close();
    }
  }, 120_000);
});
