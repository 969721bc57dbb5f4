import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resetDatabase } from './support/app.js';
import { send, type ServerProcess, spawnServer } from './support/process.js';

const run = promisify(execFile);
const KEY_FILE = 'jwt-private-key.pem';
/** Nothing about JWT keys configured (the test defaults set JWT_SECRET: unset it). */
const NO_KEYS = { JWT_SECRET: '', NODE_ENV: 'development', LOG_FORMAT: 'json' };

async function stop(server: ServerProcess): Promise<void> {
  if (server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

async function jwks(server: ServerProcess): Promise<{ kid: string; alg: string; kty: string; crv: string }[]> {
  const res = await send(server.base, 'GET', '/.well-known/jwks.json');
  return (JSON.parse(res.body!) as { keys: { kid: string; alg: string; kty: string; crv: string }[] }).keys;
}

describe('the development signing key (npm start without JWT configuration)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-oidc-keys-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    if (server) await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is generated once into DATA_DIR (mode 0600), serves OpenID Connect, and is reused on the next start', async () => {
    await resetDatabase();
    server = await spawnServer({ ...NO_KEYS, DATA_DIR: dataDir });
    const file = join(dataDir, KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
    const pem = readFileSync(file, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const first = await jwks(server);
    expect(first).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })]);
    const discovery = await send(server.base, 'GET', '/.well-known/openid-configuration');
    expect(discovery.status).toBe(200);
    expect(JSON.parse(discovery.body!).id_token_signing_alg_values_supported).toEqual(['ES256']);
    // The key never reaches the log.
    expect(server.lines.join('\n')).not.toContain(pem.split('\n')[1]);
    await stop(server);

    server = await spawnServer({ ...NO_KEYS, DATA_DIR: dataDir });
    expect(readFileSync(file, 'utf8')).toBe(pem);
    expect((await jwks(server)).map((k) => k.kid)).toEqual(first.map((k) => k.kid));
  }, 150_000);
});

describe('production without JWT configuration', () => {
  it('still refuses to start, and writes no key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-oidc-prod-'));
    try {
      const result = await run(process.execPath, ['--import', './scripts/swc-loader.mjs', 'src/main.ts'], {
        env: { PATH: process.env.PATH, NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:9', DATA_DIR: dataDir },
        timeout: 30_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^Configuration error: JWT_SECRET is required when NODE_ENV=production/);
      expect(result.stderr).toMatch(/JWT_PRIVATE_KEY_FILE/);
      expect(existsSync(join(dataDir, KEY_FILE))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 40_000);
});
