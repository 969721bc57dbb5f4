import { decodeJwt } from 'jose';
import type { DataSource } from 'typeorm';
import { login, PASSWORD } from './support/accounts.js';
import { enableMfa, rowsOf } from './support/mfa.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { PASSKEY_ORIGIN, registerPasskey, signInWithPasskey } from './support/passkeys.js';
import { SoftAuthenticator } from './support/webauthn-authenticator.js';

async function tablesWithColumn(ds: DataSource, column: string): Promise<string[]> {
  const rows = await ds.query(
    `SELECT table_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND column_name = $1 ORDER BY table_name`,
    [column],
  );
  return rows.map((r: { table_name: string }) => r.table_name);
}

/** Every foreign key of the schema: which table/column points at which table, and ON DELETE. */
async function foreignKeys(ds: DataSource) {
  const rows: Array<{ table: string; column: string; references: string; on_delete: string }> = await ds.query(
    `SELECT con.conrelid::regclass::text AS "table", a.attname AS "column",
            con.confrelid::regclass::text AS "references", con.confdeltype AS on_delete
       FROM pg_constraint con
       JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = ANY(con.conkey)
      WHERE con.contype = 'f' AND con.connamespace = current_schema()::regnamespace`,
  );
  return rows.map((r) => ({ ...r, table: r.table.replace(/"/g, ''), references: r.references.replace(/"/g, '') }));
}

describe('account deletion', () => {
  let t: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('cascades from users to every table that holds a user_id, directly or through a session', async () => {
    const keys = await foreignKeys(t.dataSource);
    // Tables whose rows belong to a user: they point (maybe through another such table) at users.
    const owned = new Set(['users']);
    for (let grew = true; grew;) {
      grew = false;
      for (const key of keys) {
        if (owned.has(key.references) && !owned.has(key.table)) {
          owned.add(key.table);
          grew = true;
        }
      }
    }
    for (const table of await tablesWithColumn(t.dataSource, 'user_id')) {
      expect(keys).toContainEqual({ table, column: 'user_id', references: 'users', on_delete: 'c' });
    }
    const intoOwned = keys.filter((key) => owned.has(key.references));
    expect(intoOwned.length).toBeGreaterThanOrEqual(2);
    for (const key of intoOwned) expect(key).toEqual({ ...key, on_delete: 'c' });
  });

  it('DELETE /users/me with the password removes every row of the user in one go; others are untouched', async () => {
    const { user, tokens } = await registerAndLogin(http, 'leaving@example.com');
    const other = await login(http, 'leaving@example.com');
    const bystander = await registerAndLogin(http, 'staying@example.com');
    const sessionIds = [tokens.access_token, other.access_token].map((token) => decodeJwt(token).sid as string);
    const userTables = await tablesWithColumn(t.dataSource, 'user_id');
    const sessionTables = await tablesWithColumn(t.dataSource, 'session_id');
    expect(userTables).toContain('sessions');
    expect(sessionTables).toContain('refresh_tokens');
    const before = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = ANY($1)',
      [sessionIds],
    );
    expect(before[0].n).toBe(2);
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    expect((await registerPasskey(http, tokens.access_token, authenticator)).status).toBe(201);
    await http.post('/auth/passkeys/registration/options', { token: tokens.access_token, json: {} });
    for (const table of ['passkeys', 'passkey_user_handles', 'passkey_challenges']) {
      expect(userTables).toContain(table);
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM "${table}" WHERE user_id = $1`, [
        user.id,
      ]);
      expect({ table, some: n > 0 }).toEqual({ table, some: true });
    }
    // Two-factor rows go with the account too: a confirmed factor, an abandoned enrolment, recovery codes.
    await enableMfa(http, tokens.access_token);
    expect((await http.post('/auth/mfa/totp', { token: tokens.access_token, json: {} })).status).toBe(201);
    expect(userTables).toEqual(expect.arrayContaining(['mfa_factors', 'mfa_recovery_codes']));
    expect(await rowsOf(t.dataSource, 'mfa_factors', user.id)).toBe(2);
    expect(await rowsOf(t.dataSource, 'mfa_recovery_codes', user.id)).toBe(10);
    // And a pending second step of a login (its mfa_token).
    const pending = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'leaving@example.com', password: PASSWORD },
    });
    expect(pending.body.error).toBe('mfa_required');
    expect(userTables).toContain('mfa_challenges');
    expect(await rowsOf(t.dataSource, 'mfa_challenges', user.id)).toBe(1);

    const res = await http.delete('/users/me', { token: tokens.access_token, json: { password: PASSWORD } });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    expect(await t.dataSource.query('SELECT id FROM users WHERE id = $1', [user.id])).toEqual([]);
    for (const table of userTables) {
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM "${table}" WHERE user_id = $1`, [
        user.id,
      ]);
      expect({ table, rows: n }).toEqual({ table, rows: 0 });
    }
    for (const table of sessionTables) {
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM "${table}" WHERE session_id = ANY($1)`, [
        sessionIds,
      ]);
      expect({ table, rows: n }).toEqual({ table, rows: 0 });
    }
    // Whatever a column is called: no uuid anywhere in the schema still holds the user's id.
    const uuidColumns = await t.dataSource.query(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND data_type = 'uuid'`,
    );
    expect(uuidColumns.length).toBeGreaterThanOrEqual(5);
    for (const { table_name: table, column_name: column } of uuidColumns) {
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM "${table}" WHERE "${column}" = $1`, [
        user.id,
      ]);
      expect({ table, column, rows: n }).toEqual({ table, column, rows: 0 });
    }
    for (const token of [tokens.access_token, other.access_token]) {
      expect((await http.get('/users/me', { token })).status).toBe(401);
    }
    const gone = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'leaving@example.com', password: PASSWORD },
    });
    expect(gone.body.error).toBe('invalid_grant');
    expect((await signInWithPasskey(http, authenticator)).body.error).toBe('invalid_grant');

    expect((await http.get('/users/me', { token: bystander.tokens.access_token })).status).toBe(200);
    const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [
      bystander.user.id,
    ]);
    expect(n).toBe(1);

    const again = await http.post('/auth/register', { json: { email: 'Leaving@Example.com', password: PASSWORD } });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(user.id);
  });

  it('answers 403 for a wrong password, 400 without one, and deletes nothing', async () => {
    const { user, tokens } = await registerAndLogin(http, 'careful@example.com');
    const wrong = await http.delete('/users/me', { token: tokens.access_token, json: { password: 'not it at all' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ statusCode: 403, message: 'Password is incorrect' });
    const missing = await http.delete('/users/me', { token: tokens.access_token, json: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('password should not be empty');
    const noBody = await http.delete('/users/me', { token: tokens.access_token });
    expect(noBody.status).toBe(400);
    const extra = await http.delete('/users/me', {
      token: tokens.access_token,
      json: { password: PASSWORD, user_id: 'someone-else' },
    });
    expect(extra.status).toBe(400);
    expect((await t.dataSource.query('SELECT id FROM users WHERE id = $1', [user.id])).length).toBe(1);
    expect((await http.get('/users/me', { token: tokens.access_token })).status).toBe(200);
  });

  it("a password change or deletion by one user never touches another user's sessions", async () => {
    const a = await registerAndLogin(http, 'a-user@example.com');
    const b = await registerAndLogin(http, 'b-user@example.com');
    await http.put('/users/me/password', {
      token: a.tokens.access_token,
      json: { current_password: PASSWORD, new_password: 'fresh passphrase 99' },
    });
    await http.delete('/users/me', { token: a.tokens.access_token, json: { password: 'fresh passphrase 99' } });
    expect((await http.get('/users/me', { token: b.tokens.access_token })).status).toBe(200);
    const rows = await t.dataSource.query('SELECT revoked_at FROM sessions WHERE user_id = $1', [b.user.id]);
    expect(rows).toEqual([{ revoked_at: null }]);
  });
});
