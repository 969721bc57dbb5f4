/**
 * `npm run cluster`: three Warden instances (the production bundle, dist/warden.mjs) on Postgres
 * and Redis behind HAProxy (deploy/haproxy.cfg), all on loopback. Needs `npm run build` first,
 * a Postgres and a Redis (DATABASE_URL, REDIS_URL; the database is created if missing) and
 * Debian's haproxy. Ctrl-C or SIGTERM stops everything. test/cluster.cluster-spec.ts drives the
 * same functions.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HAPROXY_CONFIG = join(ROOT, 'deploy', 'haproxy.cfg');
const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';
const NAMES = ['w1', 'w2', 'w3'];

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates the database of `databaseUrl` when it does not exist; `reset` empties its schema. */
export async function ensureDatabase(databaseUrl, { reset = false } = {}) {
  const { default: pg } = await import('pg');
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  const admin = new pg.Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).href });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  if (!reset) return;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public');
  } finally {
    await db.end();
  }
}

/** The environment every instance shares: one APP_URL (the public address, also the issuer), one key. */
export function sharedEnv({ dir, appUrl, databaseUrl, redisUrl, smtpUrl, overrides = {} }) {
  const keyFile = join(dir, 'jwt-es256.pem');
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    APP_URL: appUrl,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    JWT_ALGORITHM: 'ES256',
    JWT_PRIVATE_KEY_FILE: keyFile,
    SMTP_URL: smtpUrl,
    // Requests come from HAProxy: believe the one X-Forwarded-For entry it appends.
    TRUST_PROXY: 'true',
    // Plain HTTP on loopback; behind TLS keep the default (Secure cookies).
    COOKIE_SECURE: 'false',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

/** Resolves once GET /health/ready answers 200; rejects if the process exits or `timeoutMs` passes. */
export async function waitReady(url, child, timeoutMs = 30_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${url}: exited before it was ready`);
    const res = await fetch(`${url}/health/ready`).catch(() => undefined);
    if (res?.status === 200) return;
    await sleep(50);
  }
  throw new Error(`${url}: not ready within ${timeoutMs} ms`);
}

/** One instance of the production bundle, as `npm run start:prod` runs it; output to <dir>/<name>.log. */
export async function startInstance({ name, port, env, dir, migrate = false }) {
  const log = openSync(join(dir, `${name}.log`), 'a');
  const child = spawn(
    process.execPath,
    [
      '--max-semi-space-size=4',
      '--max-old-space-size=256',
      '--require',
      './dist/src/threadpool.cjs',
      'dist/warden.mjs',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', log, log],
      // Its own process group: Ctrl-C reaches the script only, which stops the instance in order.
      detached: true,
      env: { ...process.env, ...env, PORT: String(port), DB_MIGRATIONS_RUN: String(migrate) },
    },
  );
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  await waitReady(url, child).catch((error) => {
    child.kill('SIGKILL');
    const tail = readFileSync(join(dir, `${name}.log`), 'utf8')
      .split('\n')
      .slice(-15)
      .join('\n');
    throw new Error(`${error.message}\n${tail}`);
  });
  return { name, port, url, pid: child.pid, child, exited };
}

/** HAProxy in the foreground with deploy/haproxy.cfg; its log (one line per request) to <dir>/haproxy.log. */
export async function startHaproxy({ dir, lbPort, statsPort, instances }) {
  const logFile = join(dir, 'haproxy.log');
  const socket = join(dir, 'haproxy.sock');
  const log = openSync(logFile, 'a');
  const child = spawn(HAPROXY, ['-db', '-f', HAPROXY_CONFIG], {
    stdio: ['ignore', log, log],
    detached: true,
    env: {
      ...process.env,
      WARDEN_LB_PORT: String(lbPort),
      WARDEN_STATS_PORT: String(statsPort),
      WARDEN_HAPROXY_SOCKET: socket,
      ...Object.fromEntries(instances.map((instance, i) => [`WARDEN_${i + 1}`, `127.0.0.1:${instance.port}`])),
    },
  });
  closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const statsUrl = `http://127.0.0.1:${statsPort}`;
  const started = Date.now();
  // Ready once every instance passed its health checks (rise 2).
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${readFileSync(logFile, 'utf8')}`);
    const states = await serverStates(statsUrl).catch(() => ({}));
    if (instances.every((instance) => states[instance.name] === 'UP')) break;
    if (Date.now() - started > 15_000)
      throw new Error(`haproxy: instances not UP within 15 s: ${JSON.stringify(states)}`);
    await sleep(100);
  }
  return { pid: child.pid, child, exited, url: `http://127.0.0.1:${lbPort}`, statsUrl, logFile, socket };
}

/** One command on HAProxy's admin socket (`set server warden/w1 state drain`, `show stat`, …); resolves with its answer. */
export function haproxyCommand(socket, command) {
  return new Promise((resolve, reject) => {
    let answer = '';
    const connection = connect(socket, () => connection.end(`${command}\n`));
    connection.on('data', (chunk) => (answer += chunk));
    connection.on('end', () => resolve(answer.trim()));
    connection.on('error', reject);
  });
}

/** `{ w1: { status: 'UP', inFlight: 2 }, … }` from HAProxy's CSV status page (inFlight: its `scur`). */
export async function serverStats(statsUrl) {
  const csv = await (await fetch(`${statsUrl}/;csv`)).text();
  const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n');
  const columns = header.split(',');
  const stats = {};
  for (const row of rows) {
    const cells = row.split(',');
    const field = (name) => cells[columns.indexOf(name)];
    if (field('pxname') === 'warden' && NAMES.includes(field('svname'))) {
      stats[field('svname')] = { status: field('status'), inFlight: Number(field('scur')) };
    }
  }
  return stats;
}

/** `{ w1: 'UP', w2: 'DOWN', … }`. */
export async function serverStates(statsUrl) {
  const stats = await serverStats(statsUrl);
  return Object.fromEntries(Object.entries(stats).map(([name, { status }]) => [name, status]));
}

/**
 * The whole cluster: the database created if missing, migrations run once (by the first
 * instance, alone), the other two instances in parallel with DB_MIGRATIONS_RUN=false, then HAProxy.
 */
export async function startCluster({ databaseUrl, redisUrl, smtpUrl, lbPort, statsPort, env = {}, dir } = {}) {
  dir ??= mkdtempSync(join(tmpdir(), 'warden-cluster-'));
  lbPort ??= await freePort();
  statsPort ??= await freePort();
  await ensureDatabase(databaseUrl);
  const shared = sharedEnv({
    dir,
    appUrl: `http://127.0.0.1:${lbPort}`,
    databaseUrl,
    redisUrl,
    smtpUrl,
    overrides: env,
  });
  const ports = [await freePort(), await freePort(), await freePort()];
  // Detached children outlive a crashed script or a failed start: take them along.
  const children = [];
  const reap = () => children.forEach((child) => child.kill('SIGKILL'));
  process.once('exit', reap);
  const track = (started) => (children.push(started.child), started);
  let instances, haproxy;
  try {
    instances = [track(await startInstance({ name: NAMES[0], port: ports[0], env: shared, dir, migrate: true }))];
    const others = NAMES.slice(1).map((name, i) => startInstance({ name, port: ports[i + 1], env: shared, dir }));
    for (const started of await Promise.allSettled(others)) if (started.status === 'fulfilled') track(started.value);
    instances.push(...(await Promise.all(others)));
    haproxy = track(await startHaproxy({ dir, lbPort, statsPort, instances }));
  } catch (error) {
    reap();
    process.off('exit', reap);
    throw error;
  }
  const cluster = {
    dir,
    instances,
    haproxy,
    url: haproxy.url,
    statsUrl: haproxy.statsUrl,
    /** Starts the named instance again on its port (after a kill), without migrations. */
    async restart(name) {
      const index = cluster.instances.findIndex((instance) => instance.name === name);
      const { port } = cluster.instances[index];
      cluster.instances[index] = track(await startInstance({ name, port, env: shared, dir }));
      return cluster.instances[index];
    },
    /**
     * HAProxy first (SIGUSR1: stop listening, finish the requests in flight), then the instances
     * (SIGTERM: each drains its own requests and exits 0). Resolves with their exit codes.
     */
    async stop({ keepDir = false } = {}) {
      process.off('exit', reap);
      haproxy.child.kill('SIGUSR1');
      await haproxy.exited;
      const codes = {};
      await Promise.all(
        cluster.instances.map(async (instance) => {
          instance.child.kill('SIGTERM');
          codes[instance.name] = await instance.exited;
        }),
      );
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
      return codes;
    },
  };
  return cluster;
}

/** A local SMTP sink for `npm run cluster`: every mail (codes included) is printed. */
async function startMailPrinter() {
  const { SMTPServer } = await import('smtp-server');
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      let text = '';
      stream.on('data', (chunk) => (text += chunk));
      stream.on('end', () => {
        const header = (name) => text.match(new RegExp(`^${name}: (.*)$`, 'mi'))?.[1] ?? '';
        // The text/plain part (7bit): from the blank line after its headers to the next boundary.
        const plain = text.match(/Content-Type: text\/plain[^]*?\r?\n\r?\n([^]*?)\r?\n--/i)?.[1] ?? text;
        console.log(`\n--- mail to ${header('To')}: ${header('Subject')}\n${plain.trim()}\n---`);
        done();
      });
    },
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `smtp://127.0.0.1:${port}`, close: () => server.close() };
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'warden.mjs'))) {
    console.error('dist/warden.mjs is missing: run `npm run build` first.');
    process.exit(1);
  }
  const mail = process.env.SMTP_URL ? undefined : await startMailPrinter();
  const cluster = await startCluster({
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/warden_cluster',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    smtpUrl: process.env.SMTP_URL ?? mail.url,
    lbPort: Number(process.env.CLUSTER_PORT ?? 8080),
    statsPort: Number(process.env.CLUSTER_STATS_PORT ?? 8404),
  });
  console.log(`Warden cluster (logs in ${cluster.dir}):`);
  console.log(`  load balancer  ${cluster.url}  (haproxy, pid ${cluster.haproxy.pid})  docs: ${cluster.url}/docs`);
  console.log(`  HAProxy stats  ${cluster.statsUrl}`);
  for (const instance of cluster.instances) {
    console.log(`  ${instance.name}             ${instance.url}  (pid ${instance.pid})`);
  }
  console.log('Ctrl-C stops everything.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping: HAProxy drains, then each instance.');
    const codes = await cluster.stop();
    mail?.close();
    console.log(`Stopped (instance exit codes ${JSON.stringify(codes)}).`);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
