// The processes of a benchmark run: Warden itself, the two references, and the clean-up.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type LoadFigures, meRequests, runLoad } from './load.js';
import { BENCH_PASSKEY_ORIGIN, BENCH_RP_ID } from './passkey-login.js';
import { type Child, freePort, RssSampler, spawnNode, waitReady } from './processes.js';
import type { ScenarioResult } from './report.js';
import type { Seeded } from './seed.js';
import {
  CONNECTIONS,
  DATABASE_URL,
  DURATION,
  JWT_ISSUER,
  JWT_SECRET,
  MALLOC_ENV,
  NODE_FLAGS,
  PRELOAD,
  ROOT,
  SERVER_ARGS,
  WARMUP,
} from './settings.js';

export interface Warden {
  child: Child;
  base: string;
  startToReadyMs: number;
  rss: RssSampler;
}

export async function startWarden(dataDir: string | undefined, logLevel: string): Promise<Warden> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = process.hrtime.bigint();
  const child = spawnNode(SERVER_ARGS, {
    ...process.env,
    ...MALLOC_ENV,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    APP_URL: base,
    JWT_SECRET,
    JWT_ISSUER,
    LOG_LEVEL: logLevel,
    RATE_LIMIT_ENABLED: 'false',
    AUTH_REQUIRE_EMAIL_VERIFICATION: 'false',
    // Passkeys for the passkey scenario: its software authenticator signs for this RP and origin.
    WEBAUTHN_RP_ID: BENCH_RP_ID,
    WEBAUTHN_ORIGINS: BENCH_PASSKEY_ORIGIN,
    // Production requires SMTP; nothing listens on the discard port, and the first retry of the
    // seeded users' verification mails comes after the run, so mail costs the benchmark nothing.
    SMTP_URL: 'smtp://127.0.0.1:9',
    MAIL_RETRY_BASE_MS: '600000',
    ...(DATABASE_URL ? { DATABASE_URL } : { DATA_DIR: dataDir }),
  });
  const startToReadyMs = await waitReady(`${base}/health/ready`, child, started);
  return { child, base, startToReadyMs, rss: new RssSampler(child.pid) };
}

export async function measure(
  name: string,
  rss: RssSampler,
  run: () => Promise<LoadFigures>,
  mustWork = true,
): Promise<ScenarioResult> {
  rss.reset();
  const figures = await run();
  const result = {
    name,
    must_work: mustWork,
    ...figures,
    peak_rss_mib: rss.peak(),
    cpu_ms_per_request: perRequest(rss, figures),
  };
  process.stdout.write(
    `  ${name}: ${figures.req_per_s.toFixed(1)} req/s, p99 ${figures.p99_ms} ms, ${figures.errors} errors\n`,
  );
  return result;
}

function perRequest(rss: RssSampler, figures: LoadFigures): number | undefined {
  const ok = figures.req_per_s * figures.duration_s;
  return ok > 0 ? rss.cpuSinceReset() / ok : undefined;
}

export function ratio(result: ScenarioResult, to: string, reference: number | undefined): void {
  if (result.req_per_s !== undefined && reference) result.ratio = { to, value: result.req_per_s / reference };
}

export interface Argon2Bound {
  verify_ms_avg: number;
  verify_cpu_ms_avg: number;
  bound_per_s: number;
  cores: number;
  runs: number;
}

export async function argon2Bound(): Promise<Argon2Bound> {
  const child = spawnNode([...PRELOAD, join(ROOT, 'dist/bench/argon2-bound.js')], { ...process.env, ...MALLOC_ENV });
  const code = await new Promise<number | null>((resolve) => child.process.once('exit', resolve));
  if (code !== 0) throw new Error(`argon2 reference failed:\n${child.tail()}`);
  return JSON.parse(child.tail().split('\n').pop()!) as Argon2Bound;
}

export async function minimalReference(seeded: Seeded, tmp: string): Promise<ScenarioResult> {
  const usersFile = join(tmp, 'users.json');
  writeFileSync(usersFile, JSON.stringify(seeded.users));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawnNode([...NODE_FLAGS, ...PRELOAD, join(ROOT, 'dist/bench/minimal-server.js')], {
    ...process.env,
    ...MALLOC_ENV,
    PORT: String(port),
    JWT_SECRET,
    JWT_ISSUER,
    JWT_AUDIENCE: 'warden',
    USERS_FILE: usersFile,
  });
  try {
    await waitReady(`${base}/health/ready`, child, process.hrtime.bigint());
    const rss = new RssSampler(child.pid);
    const load = meRequests(seeded.accessTokens);
    await runLoad({ url: base, connections: CONNECTIONS, duration: WARMUP, requestsFor: load });
    const result = await measure('reference: minimal node:http + jose', rss, () =>
      runLoad({ url: base, connections: CONNECTIONS, duration: DURATION, requestsFor: load }),
    );
    rss.stop();
    return result;
  } finally {
    await child.stop();
  }
}

export async function removeBenchUsers(runId: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
    await client.query('DELETE FROM users WHERE email LIKE $1 OR email LIKE $2 OR email LIKE $3', [
      `bench-${runId}-%`,
      `bench-mfa-${runId}-%`,
      `bench-pk-${runId}-%`,
    ]);
  } catch (error) {
    console.error(`could not remove the bench users: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
