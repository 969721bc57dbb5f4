/**
 * `npm run bench`: the compiled server against DATABASE_URL (embedded PGlite in a
 * temporary DATA_DIR when unset), its scenarios, the two references and the performance targets.
 * Prints a table and writes the same figures to bench/results/latest.json. Exit 1 when a
 * scenario that should work has more than 1% errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { meRequests, passwordRequests, refreshRequests, runLoad } from './load.js';
import {
  asExchanges,
  codeExchangeRequests,
  type ExchangeCounts,
  mintCodes,
  registerBenchClient,
  removeBenchClient,
} from './code-exchange.js';
import { asMfaLogins, type MfaLoginCounts, mfaLoginRequests, seedMfaUsers } from './mfa-login.js';
import { asPasskeyLogins, type PasskeyLoginCounts, passkeyLoginRequests, seedPasskeyUsers } from './passkey-login.js';
import { failures, scenarioTable, type ScenarioResult, target, targetLines } from './report.js';
import { seedUsers, warmUpRefresh } from './seed.js';
import {
  argon2Bound,
  measure,
  minimalReference,
  ratio,
  removeBenchUsers,
  startWarden,
  type Warden,
} from './servers.js';
import {
  CODES,
  CONNECTIONS,
  DATABASE_URL,
  DURATION,
  LOGIN_CONNECTIONS,
  MALLOC_ENV,
  MFA_USERS,
  NODE_FLAGS,
  PROBE_CONNECTIONS,
  PROBE_RATE,
  ROOT,
  USERS,
  WARMUP,
} from './settings.js';

/** Password grant + TOTP step (two requests per login), reported per finished login against the argon2 bound. */
async function mfaLoginScenario(warden: Warden, runId: string, argon2PerSecond: number): Promise<ScenarioResult> {
  const name = 'POST /auth/token password + TOTP step';
  let users;
  try {
    users = await seedMfaUsers(warden.base, runId, MFA_USERS);
  } catch (error) {
    console.log(`  ${name}: n/a (${(error as Error).message.slice(0, 200)})`);
    return { name, must_work: true, unavailable: 'MFA not available' };
  }
  const counts: MfaLoginCounts = { challenged: 0, completed: 0, starved: 0 };
  const row = await measure(name, warden.rss, async () =>
    asMfaLogins(
      await runLoad({
        url: warden.base,
        connections: LOGIN_CONNECTIONS,
        duration: DURATION,
        requestsFor: mfaLoginRequests(users, LOGIN_CONNECTIONS, counts),
      }),
      counts,
    ),
  );
  ratio(row, 'argon2 bound', argon2PerSecond);
  row.extra = { mfa_users: users.length, starved_picks: counts.starved };
  return row;
}

/**
 * Passkey login (options → assertion signed by the load generator → passkey grant), per
 * finished login, compared with the password grant: no argon2, one ECDSA verify.
 */
async function passkeyLoginScenario(warden: Warden, runId: string, password: ScenarioResult): Promise<ScenarioResult> {
  const name = 'passkey login (options + passkey grant)';
  let users;
  try {
    users = await seedPasskeyUsers(warden.base, runId, LOGIN_CONNECTIONS);
  } catch (error) {
    console.log(`  ${name}: n/a (${(error as Error).message.slice(0, 200)})`);
    return { name, must_work: true, unavailable: 'passkeys not available' };
  }
  const counts: PasskeyLoginCounts = { challenged: 0, completed: 0 };
  const row = await measure(name, warden.rss, async () =>
    asPasskeyLogins(
      await runLoad({
        url: warden.base,
        connections: LOGIN_CONNECTIONS,
        duration: DURATION,
        requestsFor: passkeyLoginRequests(users, counts),
      }),
      counts,
    ),
  );
  ratio(row, 'password grant', password.req_per_s);
  row.extra = { passkey_users: users.length, challenges: counts.challenged };
  if (row.cpu_ms_per_request && password.cpu_ms_per_request) {
    row.extra.cpu_vs_password_grant = row.cpu_ms_per_request / password.cpu_ms_per_request;
  }
  return row;
}

/** Codes minted through /oauth/authorize beforehand; the measured requests are the exchanges only. */
async function codeExchangeScenario(warden: Warden, runId: string, emails: string[]): Promise<ScenarioResult> {
  const name = 'POST /auth/token authorization_code (code → tokens)';
  let clientId: string;
  let codes;
  try {
    clientId = await registerBenchClient(runId);
    codes = await mintCodes(warden.base, clientId, emails, CODES);
  } catch (error) {
    console.log(`  ${name}: n/a (${(error as Error).message.slice(0, 200)})`);
    return { name, must_work: false, unavailable: 'authorization code grant not available' };
  }
  const counts: ExchangeCounts = { exchanged: 0, exhausted: 0 };
  const row = await measure(name, warden.rss, async () =>
    asExchanges(
      await runLoad({
        url: warden.base,
        connections: LOGIN_CONNECTIONS,
        duration: DURATION,
        requestsFor: codeExchangeRequests(codes, clientId, counts),
      }),
      counts,
    ),
  );
  row.extra = {
    codes_minted: codes.length,
    exchanged: counts.exchanged,
    requests_after_codes_ran_out: counts.exhausted,
  };
  return row;
}

async function main(): Promise<number> {
  const runId = Date.now().toString(36);
  const tmp = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const cores = availableParallelism();
  const dbLabel = DATABASE_URL ? `postgres (${new URL(DATABASE_URL).pathname.slice(1)})` : 'embedded PGlite';
  console.log(`Warden benchmark: ${cores} cores, node ${process.version}, ${dbLabel}, ${DURATION} s per scenario`);
  console.log(
    `  server: node ${NODE_FLAGS.join(' ')} --require dist/src/threadpool.cjs dist/warden.mjs, MALLOC_ARENA_MAX=${MALLOC_ENV.MALLOC_ARENA_MAX}`,
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
    const minimal = await minimalReference(seeded, tmp);
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

    rows.push(await mfaLoginScenario(warden, runId, bound.bound_per_s));
    const passkeyRow = await passkeyLoginScenario(warden, runId, passwordRow);
    rows.push(passkeyRow);
    rows.push(await codeExchangeScenario(warden, runId, seeded.emails));

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
    console.log(`\ntargets:\n${targetLines(targets)}`);
    // req/s ratios swing with whatever else runs on the machine; CPU per request does not.
    const loginCpu = passwordRow.cpu_ms_per_request;
    const argon2Share = loginCpu ? bound.verify_cpu_ms_avg / loginCpu : undefined;
    if (argon2Share !== undefined) {
      console.log(
        `  (CPU view) argon2 is ${(argon2Share * 100).toFixed(0)}% of a password grant's server CPU ` +
          `(${bound.verify_cpu_ms_avg.toFixed(1)} of ${loginCpu!.toFixed(1)} ms): the share of the bound a saturated, ` +
          `otherwise idle machine can reach, before Postgres' own CPU`,
      );
    }
    if (passkeyRow.cpu_ms_per_request && loginCpu && passkeyRow.ratio) {
      console.log(
        `  (CPU view) a passkey login costs ${passkeyRow.cpu_ms_per_request.toFixed(2)} ms of server CPU, ` +
          `${(loginCpu / passkeyRow.cpu_ms_per_request).toFixed(1)}× less than a password grant (${loginCpu.toFixed(1)} ms); ` +
          `${passkeyRow.ratio.value.toFixed(1)}× its logins/s`,
      );
    }
    if (minimal.cpu_ms_per_request && meRow.cpu_ms_per_request) {
      console.log(
        `  (CPU view) GET /users/me costs ${(meRow.cpu_ms_per_request / minimal.cpu_ms_per_request).toFixed(1)}× ` +
          `the minimal server's CPU per request (${meRow.cpu_ms_per_request.toFixed(3)} vs ${minimal.cpu_ms_per_request.toFixed(3)} ms)`,
      );
    }

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
        server_command: ['node', ...NODE_FLAGS, '--require', 'dist/src/threadpool.cjs', 'dist/warden.mjs'].join(' '),
        malloc_arena_max: MALLOC_ENV.MALLOC_ARENA_MAX,
      },
      start_to_ready_ms: starts,
      exit_code_after_sigterm: stopExit,
      references: { minimal_server: minimal, argon2: bound },
      scenarios: rows,
      targets,
      cpu_view: {
        argon2_share_of_login_cpu: argon2Share,
        passkey_login_cpu_vs_password_grant:
          passkeyRow.cpu_ms_per_request && loginCpu ? passkeyRow.cpu_ms_per_request / loginCpu : undefined,
        users_me_cpu_vs_minimal:
          meRow.cpu_ms_per_request && minimal.cpu_ms_per_request
            ? meRow.cpu_ms_per_request / minimal.cpu_ms_per_request
            : undefined,
      },
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
    await removeBenchClient(runId);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
