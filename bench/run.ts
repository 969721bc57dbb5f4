/**
 * `npm run bench` (contract §10): the compiled server against DATABASE_URL (embedded PGlite in a
 * temporary DATA_DIR when unset), its scenarios, the two references and the targets of issue 7.
 * Prints a table and writes the same figures to bench/results/latest.json. Exit 1 when a
 * scenario that should work has more than 1% errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { meRequests, passwordRequests, refreshRequests, runLoad, type LoadFigures } from './load.js';
import { type Child, freePort, RssSampler, spawnNode, waitReady } from './processes.js';
import { failures, scenarioTable, type ScenarioResult, target, targetLines } from './report.js';
import { seedUsers, warmUpRefresh } from './seed.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DURATION = env('BENCH_DURATION', 10);
const WARMUP = env('BENCH_WARMUP', 2);
const CONNECTIONS = env('BENCH_CONNECTIONS', 50);
const LOGIN_CONNECTIONS = env('BENCH_LOGIN_CONNECTIONS', 16);
const PROBE_CONNECTIONS = env('BENCH_PROBE_CONNECTIONS', 10);
const PROBE_RATE = env('BENCH_PROBE_RATE', 200);
const USERS = Math.max(CONNECTIONS, LOGIN_CONNECTIONS);
const JWT_SECRET = 'bench-9f2c1e7a5b8d4c6e0f1a3b5c7d9e2f4a6b8c0d1e';
/** Fixed, so that tokens issued by the first server start stay valid on the second (a new port). */
const JWT_ISSUER = 'http://warden.bench';
const DATABASE_URL = process.env.DATABASE_URL || undefined;
/**
 * The same command line as `npm run start:prod`: V8 heap limits that keep the heap near its live
 * size, and the preload that sizes libuv's threadpool before anything uses it.
 */
const NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=256'];
const PRELOAD = ['--require', join(ROOT, 'dist/src/threadpool.cjs')];
const SERVER_ARGS = [...NODE_FLAGS, ...PRELOAD, join(ROOT, 'dist/src/main.js')];
/** README "Deploying": one malloc arena, so argon2's 19 MiB blocks are reused instead of kept per thread. */
const MALLOC_ENV = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '1' };

interface Warden {
  child: Child;
  base: string;
  startToReadyMs: number;
  rss: RssSampler;
}

async function startWarden(dataDir: string | undefined, logLevel: string): Promise<Warden> {
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
    ...(DATABASE_URL ? { DATABASE_URL } : { DATA_DIR: dataDir }),
  });
  const startToReadyMs = await waitReady(`${base}/health/ready`, child, started);
  return { child, base, startToReadyMs, rss: new RssSampler(child.pid) };
}

async function measure(
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

function ratio(result: ScenarioResult, to: string, reference: number | undefined): void {
  if (result.req_per_s !== undefined && reference) result.ratio = { to, value: result.req_per_s / reference };
}

interface Argon2Bound {
  verify_ms_avg: number;
  verify_cpu_ms_avg: number;
  bound_per_s: number;
  cores: number;
  runs: number;
}

async function argon2Bound(): Promise<Argon2Bound> {
  const child = spawnNode([...PRELOAD, join(ROOT, 'dist/bench/argon2-bound.js')], { ...process.env, ...MALLOC_ENV });
  const code = await new Promise<number | null>((resolve) => child.process.once('exit', resolve));
  if (code !== 0) throw new Error(`argon2 reference failed:\n${child.tail()}`);
  return JSON.parse(child.tail().split('\n').pop()!) as Argon2Bound;
}

async function minimalReference(seeded: Awaited<ReturnType<typeof seedUsers>>, issuer: string, tmp: string) {
  const usersFile = join(tmp, 'users.json');
  writeFileSync(usersFile, JSON.stringify(seeded.users));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawnNode([...NODE_FLAGS, ...PRELOAD, join(ROOT, 'dist/bench/minimal-server.js')], {
    ...process.env,
    ...MALLOC_ENV,
    PORT: String(port),
    JWT_SECRET,
    JWT_ISSUER: issuer,
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

async function main(): Promise<number> {
  const runId = Date.now().toString(36);
  const tmp = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const cores = availableParallelism();
  const dbLabel = DATABASE_URL ? `postgres (${new URL(DATABASE_URL).pathname.slice(1)})` : 'embedded PGlite';
  console.log(`Warden benchmark: ${cores} cores, node ${process.version}, ${dbLabel}, ${DURATION} s per scenario`);
  console.log(
    `  server: node ${NODE_FLAGS.join(' ')} --require dist/src/threadpool.cjs dist/src/main.js, MALLOC_ARENA_MAX=${MALLOC_ENV.MALLOC_ARENA_MAX}`,
  );
  const rows: ScenarioResult[] = [];
  const starts: Record<string, number> = {};
  let stopExit: Record<string, number | null> = {};
  try {
    const bound = await argon2Bound();
    console.log(
      `  argon2 verify: ${bound.verify_ms_avg.toFixed(1)} ms avg over ${bound.runs} runs → bound ${bound.bound_per_s.toFixed(1)}/s`,
    );

    const warden = await startWarden(join(tmp, 'data'), 'warn');
    starts['LOG_LEVEL=warn'] = warden.startToReadyMs;
    console.log(`  start to ready: ${warden.startToReadyMs.toFixed(0)} ms`);
    const seeded = await seedUsers(warden.base, runId, USERS);
    const minimal = await minimalReference(seeded, JWT_ISSUER, tmp);
    rows.push(minimal);

    const me = meRequests(seeded.accessTokens);
    const logins = passwordRequests(seeded.emails, 'correct horse battery staple');
    await runLoad({ url: warden.base, connections: CONNECTIONS, duration: WARMUP, requestsFor: me });
    const meRow = await measure('GET /users/me (bearer)', warden.rss, () =>
      runLoad({ url: warden.base, connections: CONNECTIONS, duration: DURATION, requestsFor: me }),
    );
    ratio(meRow, 'minimal server', minimal.req_per_s);
    rows.push(meRow);

    const passwordRow = await measure('POST /auth/token password grant', warden.rss, () =>
      runLoad({ url: warden.base, connections: LOGIN_CONNECTIONS, duration: DURATION, requestsFor: logins }),
    );
    ratio(passwordRow, 'argon2 bound', bound.bound_per_s);
    rows.push(passwordRow);

    const warm = await warmUpRefresh(warden.base, seeded.emails[0]);
    let refreshRow: ScenarioResult;
    if (warm.ok) {
      refreshRow = await measure('POST /auth/token refresh grant', warden.rss, () =>
        runLoad({
          url: warden.base,
          connections: CONNECTIONS,
          duration: DURATION,
          requestsFor: refreshRequests(seeded.refreshTokens),
        }),
      );
      ratio(refreshRow, 'GET /users/me', meRow.req_per_s);
    } else {
      refreshRow = {
        name: 'POST /auth/token refresh grant',
        must_work: true,
        unavailable: 'grant not available',
        extra: { warm_up: warm.detail },
      };
      console.log(`  refresh grant: n/a (grant not available: ${warm.detail})`);
    }
    rows.push(refreshRow);

    warden.rss.reset();
    const [probe, saturating] = await Promise.all([
      runLoad({
        url: warden.base,
        connections: PROBE_CONNECTIONS,
        duration: DURATION,
        overallRate: PROBE_RATE,
        requestsFor: me,
      }),
      runLoad({ url: warden.base, connections: LOGIN_CONNECTIONS, duration: DURATION, requestsFor: logins }),
    ]);
    const mixedRss = warden.rss.peak();
    const probeRow: ScenarioResult = {
      name: `GET /users/me @${PROBE_RATE}/s during logins`,
      must_work: true,
      ...probe,
      peak_rss_mib: mixedRss,
    };
    const saturatingRow: ScenarioResult = {
      name: '  ...password grants at the same time',
      must_work: true,
      ...saturating,
      peak_rss_mib: mixedRss,
    };
    ratio(saturatingRow, 'argon2 bound', bound.bound_per_s);
    rows.push(probeRow, saturatingRow);
    console.log(`  mixed: /users/me p99 ${probe.p99_ms} ms while logins ran at ${saturating.req_per_s.toFixed(1)}/s`);
    stopExit['LOG_LEVEL=warn'] = await warden.child.stop();
    warden.rss.stop();

    // The access log costs something: the same read with LOG_LEVEL=info (one JSON line per request).
    const verbose = await startWarden(join(tmp, 'data'), 'info');
    starts['LOG_LEVEL=info'] = verbose.startToReadyMs;
    await runLoad({ url: verbose.base, connections: CONNECTIONS, duration: WARMUP, requestsFor: me });
    const infoRow = await measure('GET /users/me (bearer), LOG_LEVEL=info', verbose.rss, () =>
      runLoad({ url: verbose.base, connections: CONNECTIONS, duration: DURATION, requestsFor: me }),
    );
    ratio(infoRow, 'minimal server', minimal.req_per_s);
    infoRow.extra = {
      log_bytes_per_request: Math.round(verbose.child.stdoutBytes() / Math.max(1, infoRow.requests ?? 1)),
    };
    rows.push(infoRow);
    stopExit = { ...stopExit, 'LOG_LEVEL=info': await verbose.child.stop() };
    verbose.rss.stop();

    const appRows = rows.filter((r) => r !== minimal && !r.unavailable);
    const maxRss = Math.max(...appRows.map((r) => r.peak_rss_mib ?? 0));
    const firstStart = starts['LOG_LEVEL=warn'];
    const targets = [
      target(
        'GET /users/me ≥ 50% of the minimal-server ceiling',
        meRow.ratio?.value,
        (v) => v >= 0.5,
        (v) => `${(v * 100).toFixed(0)}%`,
      ),
      target(
        'GET /users/me p99 ≤ 15 ms at 50 connections',
        meRow.p99_ms,
        (v) => v <= 15,
        (v) => `${v} ms`,
      ),
      target(
        'password grant ≥ 90% of the argon2 bound',
        passwordRow.ratio?.value,
        (v) => v >= 0.9,
        (v) => `${(v * 100).toFixed(0)}% (${passwordRow.req_per_s?.toFixed(1)}/s of ${bound.bound_per_s.toFixed(1)}/s)`,
      ),
      target(
        'GET /users/me p99 ≤ 30 ms while logins saturate the CPU',
        probe.p99_ms,
        (v) => v <= 30,
        (v) => `${v} ms`,
      ),
      target(
        'refresh grant ≥ 25% of GET /users/me throughput',
        refreshRow.ratio?.value,
        (v) => v >= 0.25,
        (v) => `${(v * 100).toFixed(0)}%`,
      ),
      target(
        'RSS ≤ 200 MB under every scenario',
        maxRss,
        (v) => v <= 200,
        (v) => `max ${v.toFixed(0)} MiB`,
      ),
      target(
        `start to ready ≤ 2 s on Postgres${DATABASE_URL ? '' : ' (this run: embedded database)'}`,
        firstStart,
        (v) => v <= 2000,
        (v) => `${v.toFixed(0)} ms (second start ${starts['LOG_LEVEL=info'].toFixed(0)} ms)`,
      ),
    ];

    console.log(`\n${scenarioTable(rows)}`);
    console.log(
      `\nreference: argon2 bound = ${cores} cores ÷ ${bound.verify_ms_avg.toFixed(1)} ms = ${bound.bound_per_s.toFixed(1)} verifies/s` +
        ` (CPU per verify ${bound.verify_cpu_ms_avg.toFixed(1)} ms: a login's CPU/req beyond that is the rest of the login path)`,
    );
    console.log(
      `start to ready (spawn → /health/ready 200): ${Object.entries(starts)
        .map(([k, v]) => `${v.toFixed(0)} ms (${k})`)
        .join(', ')}`,
    );
    console.log(
      `exit code after SIGTERM: ${Object.entries(stopExit)
        .map(([k, v]) => `${v} (${k})`)
        .join(', ')}`,
    );
    console.log(`\ntargets (issue 7):\n${targetLines(targets)}`);

    const failed = failures(rows);
    const results = {
      generated_at: new Date().toISOString(),
      machine: { cores, node: process.version, database: DATABASE_URL ? 'postgres' : 'pglite' },
      settings: {
        duration_s: DURATION,
        connections: CONNECTIONS,
        login_connections: LOGIN_CONNECTIONS,
        probe_connections: PROBE_CONNECTIONS,
        probe_rate: PROBE_RATE,
        server_command: ['node', ...NODE_FLAGS, '--require', 'dist/src/threadpool.cjs', 'dist/src/main.js'].join(' '),
        malloc_arena_max: MALLOC_ENV.MALLOC_ARENA_MAX,
      },
      start_to_ready_ms: starts,
      exit_code_after_sigterm: stopExit,
      references: { minimal_server: minimal, argon2: bound },
      scenarios: rows,
      targets,
      failures: failed,
    };
    writeFileSync(join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log('\nwritten: bench/results/latest.json');
    if (failed.length > 0) {
      console.error(`\nFAILED: more than 1% errors in:\n  ${failed.join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    if (DATABASE_URL) await removeBenchUsers(runId);
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function removeBenchUsers(runId: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
    await client.query('DELETE FROM users WHERE email LIKE $1', [`bench-${runId}-%`]);
  } catch (error) {
    console.error(`could not remove the bench users: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
