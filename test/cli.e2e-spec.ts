import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { client } from './support/http.js';
import { resetDatabase, startApp, TEST_DATABASE_URL, testEnv } from './support/app.js';

const run = promisify(execFile);

describe('npm run cli -- user:create', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
  const env = { ...process.env, ...testEnv({ DATA_DIR: dataDir }) };

  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', './scripts/swc-loader.mjs', 'src/cli/main.ts', ...args], { env }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  beforeAll(() => resetDatabase());
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates a verified admin who can then log in with admin scopes', async () => {
    const created = await cli(
      'user:create',
      '--email',
      'Boss@Example.com',
      '--password',
      'boss passphrase 42',
      '--admin',
      '--verified',
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      email: 'boss@example.com',
      roles: ['user', 'admin'],
      email_verified: true,
    });

    const duplicate = await cli('user:create', '--email', 'boss@example.com', '--password', 'boss passphrase 42');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('Email is already registered');
    expect(duplicate.stderr).not.toContain('boss passphrase 42');

    const app = await startApp({ AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' }, TEST_DATABASE_URL ? {} : { dataDir });
    try {
      const res = await client(app.url).post('/auth/token', {
        form: { grant_type: 'password', username: 'boss@example.com', password: 'boss passphrase 42' },
      });
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token)).toMatchObject({
        roles: ['user', 'admin'],
        scope: 'profile users:read users:write',
      });
    } finally {
      await app.close();
    }
  }, 90000);

  it('explains its usage for a missing flag and refuses a common password', async () => {
    const missing = await cli('user:create', '--email', 'x@example.com');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('user:create needs --email E --password P');
    const weak = await cli('user:create', '--email', 'x@example.com', '--password', 'password1');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('too common');
  }, 90000);
});
