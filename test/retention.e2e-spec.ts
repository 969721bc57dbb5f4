import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RetentionService } from '../src/retention/retention.service.js';
import { login, PASSWORD, type TokenSet } from './support/accounts.js';
import { resetDatabase, startApp, TEST_DATABASE_URL, type TestApp } from './support/app.js';
import { cliRunner } from './support/cli.js';
import { client, type Client } from './support/http.js';

// SESSION_RETENTION is 3 days here, so that the test shows the setting is what counts.
const ENV = { SESSION_RETENTION: '3d' };

async function count(t: TestApp, sql: string, params: unknown[] = []): Promise<number> {
  const rows: Array<{ n: number }> = await t.dataSource.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0].n;
}

async function register(http: Client, email: string): Promise<string> {
  const res = await http.post('/auth/register', { json: { email, password: PASSWORD } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** `n` sessions of the user that ended (expired) `days` ago, each with two refresh tokens. */
async function endedSessions(t: TestApp, userId: string, n: number, days: number): Promise<void> {
  await t.dataSource.query(
    `WITH s AS (
       INSERT INTO sessions (user_id, expires_at, created_at)
       SELECT $1, now() - make_interval(days => $3), now() - interval '40 days' FROM generate_series(1, $2)
       RETURNING id)
     INSERT INTO refresh_tokens (session_id, token_hash, rotated_at)
     SELECT id, md5(id::text || k) || md5(k || id::text), CASE WHEN k = 'a' THEN now() - interval '35 days' END
       FROM s, (VALUES ('a'), ('b')) AS v(k)`,
    [userId, n, days],
  );
}

describe('retention: the purge job and npm run cli -- db:purge', () => {
  let t: TestApp;
  let http: Client;
  let userId: string;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp(ENV);
    http = client(t.url);
    userId = await register(http, 'keeper@example.com');
  });
  afterAll(() => t.close());

  it('deletes sessions and their refresh tokens SESSION_RETENTION after they ended; live and recently ended ones stay', async () => {
    const sessions: TokenSet[] = [];
    for (let i = 0; i < 5; i += 1) sessions.push(await login(http, 'keeper@example.com'));
    const sid = (tokens: TokenSet) =>
      JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString()).sid as string;
    const [revokedOld, expiredOld, revokedRecent, expiredRecent, live] = sessions.map(sid);
    // The live session has rotated tokens far past the reuse grace: reuse detection still needs them.
    let current = sessions[4];
    for (let i = 0; i < 2; i += 1) {
      const res = await http.post('/auth/token', {
        form: { grant_type: 'refresh_token', refresh_token: current.refresh_token },
      });
      expect(res.status).toBe(200);
      current = res.body as TokenSet;
    }
    await t.dataSource.query(
      `UPDATE refresh_tokens SET rotated_at = now() - interval '60 days' WHERE session_id = $1 AND rotated_at IS NOT NULL`,
      [live],
    );
    await t.dataSource.query(`UPDATE sessions SET created_at = now() - interval '60 days' WHERE id = $1`, [live]);
    const set = (id: string, column: string, ago: string) =>
      t.dataSource.query(`UPDATE sessions SET ${column} = now() - $2::interval WHERE id = $1`, [id, ago]);
    await set(revokedOld, 'revoked_at', '3 days 1 hour');
    await set(expiredOld, 'expires_at', '3 days 1 hour');
    await set(revokedRecent, 'revoked_at', '2 days 23 hours');
    await set(expiredRecent, 'expires_at', '2 days 23 hours');

    const report = await t.app.get(RetentionService).purge();

    expect(report.skipped).toBe(false);
    expect(report.deleted).toMatchObject({ sessions: 2, refresh_tokens: 2 });
    const left: Array<{ id: string }> = await t.dataSource.query('SELECT id FROM sessions WHERE user_id = $1', [
      userId,
    ]);
    expect(left.map((r) => r.id).sort()).toEqual([revokedRecent, expiredRecent, live].sort());
    expect(await count(t, 'refresh_tokens WHERE session_id = ANY($1)', [[revokedOld, expiredOld]])).toBe(0);
    expect(await count(t, 'refresh_tokens WHERE session_id = $1', [live])).toBe(3);
    // The live session still works, and presenting its oldest token is still caught as reuse.
    const refreshed = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: current.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    const reused = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: sessions[4].refresh_token },
    });
    expect(reused.status).toBe(400);
    expect(reused.body.error_description).toMatch(/reused/);
  });

  it('deletes used or expired email codes, reset tokens, abandoned MFA enrolments, used recovery codes and used or expired passkey challenges after a day, settled mails after 7 days, audit events after AUDIT_RETENTION, forgotten login counters', async () => {
    await t.dataSource.query(
      `INSERT INTO email_codes (user_id, purpose, target_email, code_hash, expires_at, consumed_at) VALUES
         ($1, 'verify', 'keeper@example.com', 'used-25h',    now() - interval '30 hours', now() - interval '25 hours'),
         ($1, 'verify', 'keeper@example.com', 'expired-25h', now() - interval '25 hours', NULL),
         ($1, 'verify', 'keeper@example.com', 'used-23h',    now() + interval '1 hour',   now() - interval '23 hours'),
         ($1, 'verify', 'keeper@example.com', 'expired-23h', now() - interval '23 hours', NULL),
         ($1, 'verify', 'keeper@example.com', 'live',        now() + interval '10 minutes', NULL)`,
      [userId],
    );
    await t.dataSource.query(
      `INSERT INTO password_reset_tokens (user_id, token_hash, expires_at, used_at) VALUES
         ($1, 'used-25h',    now() - interval '2 days',   now() - interval '25 hours'),
         ($1, 'expired-25h', now() - interval '25 hours', NULL),
         ($1, 'used-23h',    now() + interval '1 hour',   now() - interval '23 hours'),
         ($1, 'live',        now() + interval '30 minutes', NULL)`,
      [userId],
    );
    await t.dataSource.query(
      `INSERT INTO mfa_factors (user_id, name, secret_ciphertext, created_at, confirmed_at) VALUES
         ($1, 'abandoned-25h', 'x', now() - interval '25 hours 11 minutes', NULL),
         ($1, 'abandoned-23h', 'x', now() - interval '23 hours', NULL),
         ($1, 'confirmed-30d', 'x', now() - interval '30 days', now() - interval '30 days')`,
      [userId],
    );
    await t.dataSource.query(
      `INSERT INTO mfa_recovery_codes (user_id, code_hash, used_at) VALUES
         ($1, 'used-25h', now() - interval '25 hours'),
         ($1, 'used-23h', now() - interval '23 hours'),
         ($1, 'unused', NULL)`,
      [userId],
    );
    await t.dataSource.query(
      `INSERT INTO passkey_challenges (challenge, flow, user_id, expires_at, used_at) VALUES
         ('used-25h', 'registration', $1, now() - interval '25 hours', now() - interval '25 hours 1 minute'),
         ('expired-25h', 'authentication', NULL, now() - interval '25 hours', NULL),
         ('used-23h', 'authentication', NULL, now() - interval '23 hours', now() - interval '23 hours 1 minute'),
         ('live', 'authentication', NULL, now() + interval '4 minutes', NULL)`,
      [userId],
    );
    await t.dataSource.query(
      `INSERT INTO mail_outbox (to_address, subject, status, sent_at, next_attempt_at, created_at) VALUES
         ('a@example.com', 'sent-8d',    'sent',    now() - interval '8 days', now() - interval '8 days', now() - interval '8 days'),
         ('a@example.com', 'failed-8d',  'failed',  NULL, now() - interval '8 days', now() - interval '8 days'),
         ('a@example.com', 'sent-6d',    'sent',    now() - interval '6 days', now() - interval '9 days', now() - interval '9 days'),
         ('a@example.com', 'failed-6d',  'failed',  NULL, now() - interval '6 days', now() - interval '9 days'),
         ('a@example.com', 'pending-9d', 'pending', NULL, now() + interval '1 day', now() - interval '9 days')`,
    );
    await t.dataSource.query(
      `INSERT INTO auth_events (type, user_id, details, created_at) VALUES
         ('login_success', $1, '{}', now() - interval '91 days'),
         ('login_success', $1, '{}', now() - interval '89 days')`,
      [userId],
    );
    await t.dataSource.query(
      `INSERT INTO login_throttle (key, failures, blocked_until, last_failure_at) VALUES
         ('forgotten', 3, NULL, now() - interval '25 hours'),
         ('still-blocked', 9, now() + interval '1 hour', now() - interval '25 hours'),
         ('recent', 2, NULL, now() - interval '1 hour')`,
    );

    await t.dataSource.query(
      `INSERT INTO mfa_challenges (token_hash, user_id, login, password_digest, flow, expires_at, used_at) VALUES
         ('used-25h', $1, 'x', 'd', 'token', now() + interval '1 hour', now() - interval '25 hours'),
         ('expired-25h', $1, 'x', 'd', 'token', now() - interval '25 hours', NULL),
         ('used-23h', $1, 'x', 'd', 'token', now() - interval '23 hours', now() - interval '23 hours'),
         ('pending', $1, 'x', 'd', 'cookie', now() + interval '5 minutes', NULL)`,
      [userId],
    );

    const report = await t.app.get(RetentionService).purge();

    expect(report.deleted).toMatchObject({
      mfa_challenges: 2,
      email_codes: 2,
      password_reset_tokens: 2,
      mfa_factors: 1,
      mfa_recovery_codes: 1,
      passkey_challenges: 2,
      mail_outbox: 2,
      auth_events: 1,
      login_throttle: 1,
    });
    const left = async (table: string, column: string) =>
      (await t.dataSource.query<Array<{ v: string }>>(`SELECT ${column} AS v FROM ${table} ORDER BY 1`)).map(
        (r) => r.v,
      );
    expect(await left('email_codes', 'code_hash')).toEqual(expect.arrayContaining(['expired-23h', 'live', 'used-23h']));
    expect(await left('email_codes', 'code_hash')).not.toEqual(expect.arrayContaining(['used-25h']));
    expect(await left('email_codes', 'code_hash')).not.toEqual(expect.arrayContaining(['expired-25h']));
    expect(await left('password_reset_tokens', 'token_hash')).toEqual(['live', 'used-23h']);
    expect(await left('mfa_factors', 'name')).toEqual(['abandoned-23h', 'confirmed-30d']);
    expect(await left('mfa_recovery_codes', 'code_hash')).toEqual(['unused', 'used-23h']);
    expect(await left('passkey_challenges', 'challenge')).toEqual(['live', 'used-23h']);
    expect(await left('mfa_challenges', 'token_hash')).toEqual(['pending', 'used-23h']);
    expect(await left('mail_outbox', 'subject')).toEqual(
      expect.arrayContaining(['failed-6d', 'pending-9d', 'sent-6d']),
    );
    expect(await count(t, `mail_outbox WHERE subject IN ('sent-8d', 'failed-8d')`)).toBe(0);
    expect(await count(t, `auth_events WHERE created_at < now() - interval '90 days'`)).toBe(0);
    expect(await count(t, `auth_events WHERE created_at < now() - interval '88 days'`)).toBe(1);
    const counters: Array<{ key: string }> = await t.dataSource.query(
      `SELECT key FROM login_throttle WHERE key IN ('forgotten', 'still-blocked', 'recent') ORDER BY key`,
    );
    expect(counters.map((r) => r.key)).toEqual(['recent', 'still-blocked']);
  });

  it('two instances purging at once both finish without error, and their counts add up', async () => {
    const live = await login(http, 'keeper@example.com');
    await endedSessions(t, userId, 2600, 10);
    const other = await startApp(ENV);
    try {
      const reports = await Promise.all([t.app.get(RetentionService).purge(), other.app.get(RetentionService).purge()]);
      const total = (table: string) => reports.reduce((sum, r) => sum + r.deleted[table], 0);
      expect(total('sessions')).toBe(2600);
      expect(total('refresh_tokens')).toBe(5200);
      expect(await count(t, `sessions WHERE expires_at < now() - interval '9 days'`)).toBe(0);
      expect(
        await count(t, 'refresh_tokens t WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = t.session_id)'),
      ).toBe(0);
    } finally {
      await other.close();
    }
    // A live session is untouched.
    expect((await http.get('/users/me', { token: live.access_token })).status).toBe(200);
  }, 60000);
});

describe('npm run cli -- db:purge', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-purge-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('deletes what is past its retention and prints the rows deleted per table', async () => {
    await resetDatabase();
    const app = await startApp({}, TEST_DATABASE_URL ? {} : { dataDir });
    try {
      const userId = await register(client(app.url), 'cli-purge@example.com');
      await endedSessions(app, userId, 3, 8);
      await app.dataSource.query(
        `INSERT INTO auth_events (type, user_id, details, created_at) VALUES ('login_success', $1, '{}', now() - interval '100 days')`,
        [userId],
      );
    } finally {
      await app.close();
    }

    const out = await cliRunner(dataDir)('db:purge');

    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = Object.fromEntries(
      out.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(':').map((part) => part.trim()) as [string, string]),
    );
    expect(lines).toEqual({
      refresh_tokens: '6',
      sessions: '3',
      email_codes: '0',
      password_reset_tokens: '0',
      mfa_factors: '0',
      mfa_recovery_codes: '0',
      passkey_challenges: '0',
      oauth_codes: '0',
      oauth_pending_authorizations: '0',
      mfa_challenges: '0',
      mail_outbox: '0',
      auth_events: '1',
      login_throttle: '0',
    });
  }, 90000);
});
