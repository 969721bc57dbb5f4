import argon2 from 'argon2';
import bcrypt from 'bcryptjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { login, PASSWORD } from './support/accounts.js';
import { cliRunner, parseSummary } from './support/cli.js';
import { client } from './support/http.js';
import { resetDatabase, startApp, TEST_DATABASE_URL, type TestApp } from './support/app.js';

describe('npm run cli -- users:import (validation) and user:role / user:disable / user:enable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-accounts-'));
  const dataDir = join(dir, 'data');
  const cli = cliRunner(dataDir);
  const open = (): Promise<TestApp> => startApp({}, TEST_DATABASE_URL ? {} : { dataDir });
  const bcryptHash = bcrypt.hashSync('old bcrypt password', 4);
  let argonHash: string;

  beforeAll(async () => {
    await resetDatabase();
    argonHash = await argon2.hash('old argon password', { type: argon2.argon2id, memoryCost: 4096, timeCost: 3 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a CSV export, rejecting bad rows by line number without printing any hash', async () => {
    const file = join(dir, 'flask.csv');
    writeFileSync(
      file,
      '\uFEFFEmail,Password_Hash,email_verified,username,id\r\n' +
        `"Quoted@Example.com","${bcryptHash}",true,"Quoted",1\r\n` +
        `plain@example.com,${bcryptHash},f,,2\r\n` +
        `not-an-email,${bcryptHash},t,,3\r\n` +
        'nohash@example.com,,t,,4\r\n' +
        'plaintext@example.com,hunter2-in-clear,t,,5\r\n' +
        `werkzeug@example.com,pbkdf2:sha256:600000$abc$def,t,,6\r\n` +
        `badflag@example.com,${bcryptHash},maybe,,7\r\n` +
        `badname@example.com,${bcryptHash},t,no spaces allowed,8\r\n` +
        `short@example.com,${bcryptHash},t,\r\n` +
        `"open@example.com,${bcryptHash},t,,9\r\n` +
        `PLAIN@example.com,${bcryptHash},t,,10\r\n` +
        `clash@example.com,${bcryptHash},t,quoted,11\r\n` +
        '\r\n',
    );
    const res = await cli('users:import', file);
    expect(res.code).toBe(0);
    expect(parseSummary(res.stdout)).toMatchObject({ imported: 2, skipped: 1, rejected: 9 });
    expect(res.stderr.trim().split('\n')).toEqual([
      'line 4: rejected: email is not a valid address',
      'line 5: rejected: password_hash is missing',
      'line 6: rejected: password_hash is not a bcrypt ($2a$/$2b$/$2y$) or argon2 hash',
      'line 7: rejected: password_hash is not a bcrypt ($2a$/$2b$/$2y$) or argon2 hash',
      'line 8: rejected: email_verified must be true or false',
      'line 9: rejected: username must be 3 to 32 characters of a-z, 0-9, _, . or -',
      'line 10: rejected: expected 5 fields, found 4',
      'line 11: rejected: unterminated quoted field',
      'line 13: rejected: username is already taken by another account',
    ]);
    for (const secret of [bcryptHash, 'hunter2', 'pbkdf2']) {
      expect(res.stdout + res.stderr).not.toContain(secret);
    }
  }, 90_000);

  it('detects JSON lines by the first character and imports argon2 hashes too', async () => {
    const file = join(dir, 'fastapi-export.txt');
    writeFileSync(
      file,
      [
        JSON.stringify({
          email: 'Argon@Example.com',
          password_hash: argonHash,
          email_verified: true,
          username: 'argon',
        }),
        JSON.stringify({ email: 'json@example.com', password_hash: bcryptHash }),
        '{"email": "broken@example.com", ',
        JSON.stringify(['not', 'an', 'object']),
        JSON.stringify({ email: 'plain@example.com', password_hash: bcryptHash, email_verified: 1 }),
        JSON.stringify({
          email: 'nullname@example.com',
          password_hash: bcryptHash,
          email_verified: false,
          username: null,
        }),
      ].join('\n'),
    );
    const res = await cli('users:import', file);
    expect(res.code).toBe(0);
    expect(parseSummary(res.stdout)).toMatchObject({ imported: 3, skipped: 1, rejected: 2 });
    expect(res.stderr.trim().split('\n')).toEqual([
      'line 3: rejected: not valid JSON',
      'line 4: rejected: not a JSON object',
    ]);
    expect(res.stderr + res.stdout).not.toContain(argonHash);

    const app = await open();
    try {
      const rows = await app.dataSource.query(
        'SELECT email, username, email_verified_at IS NOT NULL AS verified FROM users ORDER BY email',
      );
      expect(rows).toEqual([
        { email: 'argon@example.com', username: 'argon', verified: true },
        { email: 'json@example.com', username: null, verified: false },
        { email: 'nullname@example.com', username: null, verified: false },
        { email: 'plain@example.com', username: null, verified: false },
        { email: 'quoted@example.com', username: 'quoted', verified: true },
      ]);
      const http = client(app.url);
      await login(http, 'argon@example.com', 'old argon password');
      await login(http, 'quoted', 'old bcrypt password');
      const [{ password_hash: hash }] = await app.dataSource.query(
        "SELECT password_hash FROM users WHERE email = 'argon@example.com'",
      );
      expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    } finally {
      await app.close();
    }
  }, 90_000);

  it('refuses hashes too costly to verify at login: bcrypt above cost 14, argon2 above m=256 MiB, t=10, p=8', async () => {
    const file = join(dir, 'costly.jsonl');
    const salt = 'c2FsdHNhbHRzYWx0c2FsdA';
    const digest = 'ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk';
    const argon = (params: string) => `$argon2id$v=19$${params}$${salt}$${digest}`;
    writeFileSync(
      file,
      [
        { email: 'cost15@example.com', password_hash: bcryptHash.replace(/^\$2[aby]\$04\$/, '$2b$15$') },
        { email: 'cost31@example.com', password_hash: bcryptHash.replace(/^\$2[aby]\$04\$/, '$2b$31$') },
        { email: 'memory@example.com', password_hash: argon('m=262145,t=3,p=1') },
        { email: 'passes@example.com', password_hash: argon('m=65536,t=11,p=1') },
        { email: 'lanes@example.com', password_hash: argon('m=65536,p=9,t=3') },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    const res = await cli('users:import', file);
    expect(res.code).toBe(0);
    expect(parseSummary(res.stdout)).toMatchObject({ imported: 0, rejected: 5 });
    expect(res.stderr.trim().split('\n')).toEqual([
      'line 1: rejected: password_hash bcrypt cost 15 is above 14',
      'line 2: rejected: password_hash bcrypt cost 31 is above 14',
      'line 3: rejected: password_hash argon2 parameter m=262145 is above m=262144',
      'line 4: rejected: password_hash argon2 parameter t=11 is above t=10',
      'line 5: rejected: password_hash argon2 parameter p=9 is above p=8',
    ]);
  }, 90_000);

  it('stops with a clear message for a missing file, a bad CSV header or no file at all', async () => {
    const missing = await cli('users:import', join(dir, 'nope.csv'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');
    const header = join(dir, 'header.csv');
    writeFileSync(header, `mail,hash\nx@example.com,${bcryptHash}\n`);
    const bad = await cli('users:import', header);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('The CSV header must name the columns: email,password_hash');
    const none = await cli('users:import');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('users:import needs a FILE');
  }, 90_000);

  it('user:role adds and removes admin but never the last one; user:disable revokes sessions', async () => {
    const created = await cli('user:create', '--email', 'ops@example.com', '--password', PASSWORD, '--verified');
    expect(created.code).toBe(0);

    const promoted = await cli('user:role', '--email', 'OPS@example.com', '--add', 'admin');
    expect(promoted.code).toBe(0);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ email: 'ops@example.com', roles: ['user', 'admin'] });
    const twice = await cli('user:role', '--email', 'ops@example.com', '--add', 'admin');
    expect(JSON.parse(twice.stdout).roles).toEqual(['user', 'admin']);

    const last = await cli('user:role', '--email', 'ops@example.com', '--remove', 'admin');
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('Cannot remove the admin role from the last enabled admin');
    const lastDisable = await cli('user:disable', '--email', 'ops@example.com');
    expect(lastDisable.code).toBe(1);
    expect(lastDisable.stderr).toContain('Cannot disable the last enabled admin');

    for (const args of [
      ['user:role', '--email', 'ops@example.com', '--add', 'root'],
      ['user:role', '--email', 'ops@example.com'],
      ['user:role', '--email', 'ops@example.com', '--add', 'admin', '--remove', 'admin'],
      ['user:role', '--add', 'admin'],
      ['user:disable'],
      ['user:enable', '--email'],
    ]) {
      const res = await cli(...args);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/needs --email E/);
    }
    const unknown = await cli('user:disable', '--email', 'ghost@example.com');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No user with the email ghost@example.com');

    let app = await open();
    let token: string;
    try {
      token = (await login(client(app.url), 'plain@example.com', 'old bcrypt password')).access_token;
      expect((await client(app.url).get('/users/me', { token })).status).toBe(200);
    } finally {
      await app.close();
    }
    const disabled = await cli('user:disable', '--email', 'plain@example.com');
    expect(disabled.code).toBe(0);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ email: 'plain@example.com', disabled: true });

    app = await open();
    try {
      const http = client(app.url);
      expect((await http.get('/users/me', { token })).status).toBe(401);
      const [session] = await app.dataSource.query(
        "SELECT s.revoked_reason FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'plain@example.com'",
      );
      expect(session.revoked_reason).toBe('account_disabled');
      const refused = await http.post('/auth/token', {
        form: { grant_type: 'password', username: 'plain@example.com', password: 'old bcrypt password' },
      });
      expect(refused.body.error_description).toBe('This account is disabled');
    } finally {
      await app.close();
    }

    const enabled = await cli('user:enable', '--email', 'plain@example.com');
    expect(JSON.parse(enabled.stdout).disabled).toBe(false);
    await cli('user:role', '--email', 'plain@example.com', '--add', 'admin');
    const stepDown = await cli('user:role', '--email', 'ops@example.com', '--remove', 'admin');
    expect(stepDown.code).toBe(0);
    expect(JSON.parse(stepDown.stdout).roles).toEqual(['user']);
  }, 120_000);
});
