import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resetDatabase, startApp, type TestApp } from '../../../test/support/app.js';
import { client } from '../../../test/support/http.js';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));
const PASSWORD = 'correct horse battery staple';

/** Runs the example as `npm start` does, from its directory; the password on stdin when not in env. */
function runCli(
  env: Record<string, string>,
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', '../../scripts/swc-loader.mjs', 'src/main.ts'], {
      cwd: EXAMPLE,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

describe('examples/cli-device against a real Warden', () => {
  let warden: TestApp;
  let n = 0;
  let dir: string;

  const newAccount = async () => {
    const email = `device${++n}@example.com`;
    const res = await client(warden.url).post('/auth/register', { json: { email, password: PASSWORD } });
    if (res.status !== 201) throw new Error(`register failed: ${res.status}`);
    return res.body as { id: string; email: string };
  };
  const sessionsOf = (userId: string) =>
    warden.dataSource.query<{ id: string; revoked_reason: string | null }[]>(
      'SELECT id, revoked_reason FROM sessions WHERE user_id = $1',
      [userId],
    );
  const refreshTokensOf = (sessionId: string) =>
    warden.dataSource.query<{ token_hash: string; rotated_at: Date | null }[]>(
      'SELECT token_hash, rotated_at FROM refresh_tokens WHERE session_id = $1 ORDER BY created_at',
      [sessionId],
    );

  beforeAll(async () => {
    await resetDatabase();
    warden = await startApp();
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-device-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await warden?.close();
  });

  it('signs in, calls /users/me, refreshes (the token rotated in the database) and signs out', async () => {
    const user = await newAccount();
    const result = await runCli({ WARDEN_URL: warden.url, WARDEN_USERNAME: user.email, WARDEN_PASSWORD: PASSWORD });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`Signed in to ${warden.url} (scope: profile; access token valid 900 s)`);
    expect(lines[1]).toMatch(/^GET \/users\/me: 200 \{/);
    expect(JSON.parse(lines[1].slice('GET /users/me: 200 '.length))).toMatchObject({
      id: user.id,
      email: user.email,
      roles: ['user'],
    });
    expect(lines[2]).toBe('Refreshed: new access token valid 900 s; refresh token rotated');
    expect(lines[3]).toBe('Signed out');

    const sessions = await sessionsOf(user.id);
    // Signed out through RFC 7009 revocation (the bearer client's logout).
    expect(sessions).toEqual([{ id: expect.any(String), revoked_reason: 'revoked' }]);
    const rows = await refreshTokensOf(sessions[0].id);
    expect(rows.map((r) => r.rotated_at !== null)).toEqual([true, false]);
  });

  it('keeps the session in a 0600 token file: its refresh token is the live one, the login’s is spent', async () => {
    const user = await newAccount();
    const tokenFile = join(dir, 'tokens.json');
    const result = await runCli(
      { WARDEN_URL: warden.url, WARDEN_USERNAME: user.email, WARDEN_TOKEN_FILE: tokenFile },
      `${PASSWORD}\n`,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').slice(2)).toEqual([
      'Refreshed: new access token valid 900 s; refresh token rotated',
      'Session kept in the token file',
    ]);

    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const tokens = JSON.parse(readFileSync(tokenFile, 'utf8')) as { access_token: string; refresh_token: string };
    expect(result.stdout).not.toContain(tokens.access_token);
    expect(result.stdout).not.toContain(tokens.refresh_token);
    expect(result.stdout).not.toContain(PASSWORD);

    const [session] = await sessionsOf(user.id);
    expect(session.revoked_reason).toBeNull();
    const rows = await refreshTokensOf(session.id);
    expect(rows).toHaveLength(2);
    expect(rows[0].rotated_at).not.toBeNull();
    expect(rows[1]).toEqual({
      token_hash: createHash('sha256').update(tokens.refresh_token).digest('hex'),
      rotated_at: null,
    });
    expect((await client(warden.url).get('/users/me', { token: tokens.access_token })).status).toBe(200);
  });

  it('reports a wrong password with the OAuth error and exit code 1, printing nothing else', async () => {
    const user = await newAccount();
    const result = await runCli({
      WARDEN_URL: warden.url,
      WARDEN_USERNAME: user.email,
      WARDEN_PASSWORD: 'not the password',
    });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Sign-in failed: invalid_grant (Invalid email or password)\n',
    });
    expect(await sessionsOf(user.id)).toEqual([]);
  });

  it('says what is missing when run without WARDEN_URL', async () => {
    const result = await runCli({ WARDEN_USERNAME: 'someone@example.com' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Set WARDEN_URL and WARDEN_USERNAME');
  });
});
