import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function start(env: Record<string, string>) {
  try {
    await run(process.execPath, ['--import', './scripts/swc-loader.mjs', 'src/main.ts'], {
      env: { PATH: process.env.PATH, ...env },
      timeout: 30000,
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('start-up configuration check', () => {
  it.each([
    [{ PORT: 'abc' }, 'Configuration error: PORT must be an integer between 0 and 65535 (got "abc")'],
    [
      { NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25' },
      'Configuration error: JWT_SECRET is required when NODE_ENV=production' +
        ' (or JWT_ALGORITHM=ES256, RS256 or EdDSA with JWT_PRIVATE_KEY_FILE, which OpenID Connect needs)',
    ],
    [
      { ACCESS_TOKEN_TTL: 'soon' },
      'Configuration error: ACCESS_TOKEN_TTL must be a duration like 30s, 10m, 12h, 30d or seconds (got "soon")',
    ],
    [
      { MFA_ENCRYPTION_KEY: 'not-32-bytes' },
      'Configuration error: MFA_ENCRYPTION_KEY must be 32 bytes, as base64 or 64 hex digits',
    ],
  ])(
    'exits 1 with one line naming the variable for %j',
    async (env, line) => {
      const result = await start({ DATA_DIR: '/nonexistent-warden-data', ...env });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([line]);
    },
    40000,
  );

  it('exits 1 with one line per mistake in AUTH_PROVIDERS, naming the entry and the field', async () => {
    const providers = [
      { id: 'google', name: 'Google', type: 'oidc', issuer: 'http://accounts.example.com', client_id: 'x' },
      { id: 'gh', name: 'GitHub', type: 'gitlab', client_id: 'y', client_secret: 'z' },
    ];
    const result = await start({ DATA_DIR: '/nonexistent-warden-data', AUTH_PROVIDERS: JSON.stringify(providers) });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Configuration error: AUTH_PROVIDERS[0] ("google").issuer must be an https URL (http only on a loopback host)',
      'Configuration error: AUTH_PROVIDERS[0] ("google").client_secret must be a non-empty string',
      'Configuration error: AUTH_PROVIDERS[1] ("gh").type must be "oidc" or "github"',
      'Configuration error: AUTH_PROVIDERS[1] ("gh").issuer must be a URL',
    ]);
  }, 40000);
});
