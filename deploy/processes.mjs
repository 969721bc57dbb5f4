/**
 * The processes of the cluster of deploy/cluster.mjs: the Warden instances (the production
 * bundle), HAProxy with deploy/haproxy.cfg, and HAProxy's status page and admin socket.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HAPROXY_CONFIG = join(ROOT, 'deploy', 'haproxy.cfg');
const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';
export const NAMES = ['w1', 'w2', 'w3'];

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
