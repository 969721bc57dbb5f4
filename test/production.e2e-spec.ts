import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client } from './support/http.js';
import { send, type ServerProcess, spawnServer } from './support/process.js';

const run = promisify(execFile);
const PRODUCTION = { JWT_SECRET: randomBytes(32).toString('base64url'), SMTP_URL: 'smtp://127.0.0.1:9' };
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe('the production entry (dist/warden.mjs, `npm run start:prod`) defaults NODE_ENV to production', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-prod-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start without what production requires when NODE_ENV is unset', async () => {
    const result = await run(process.execPath, ['--import', './scripts/swc-loader.mjs', 'src/production.ts'], {
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, SMTP_URL: 'smtp://127.0.0.1:9' },
      timeout: 30_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Configuration error: JWT_SECRET is required when NODE_ENV=production' +
        ' (or JWT_ALGORITHM=ES256, RS256 or EdDSA with JWT_PRIVATE_KEY_FILE, which OpenID Connect needs)',
    ]);
  }, 40_000);

  it('runs as production when NODE_ENV is unset: /metrics does not exist without METRICS_TOKEN', async () => {
    await resetDatabase();
    server = await spawnServer({ NODE_ENV: '', DATA_DIR: dataDir, ...PRODUCTION }, 'src/production.ts');
    const metrics = await send(server.base, 'GET', '/metrics');
    expect(metrics.status).toBe(404);
    expect(JSON.parse(metrics.body!)).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect(metrics.body).not.toMatch(/process_cpu|http_request/);
  }, 90_000);
});

describe('/metrics in production', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers 404, like an unknown route, without METRICS_TOKEN', async () => {
    await resetDatabase();
    t = await startApp({ NODE_ENV: 'production', ...PRODUCTION });
    const http = client(t.url);
    const metrics = await http.get('/metrics');
    const unknown = await http.get('/no-such-route');
    expect(metrics.status).toBe(404);
    expect({ ...metrics.body, request_id: undefined, message: undefined }).toEqual({
      ...unknown.body,
      request_id: undefined,
      message: undefined,
    });
    expect(metrics.body.message).toBe('Cannot GET /metrics');
  });

  it('answers behind its bearer token with METRICS_TOKEN', async () => {
    await resetDatabase();
    t = await startApp({ NODE_ENV: 'production', ...PRODUCTION, METRICS_TOKEN });
    const http = client(t.url);
    expect((await http.get('/metrics')).status).toBe(401);
    const scraped = await http.get('/metrics', { token: METRICS_TOKEN });
    expect(scraped.status).toBe(200);
    expect(scraped.text).toMatch(/^# HELP /m);
  });

  it('stays open outside production (development, tests)', async () => {
    await resetDatabase();
    t = await startApp();
    expect((await client(t.url).get('/metrics')).status).toBe(200);
  });
});
