/**
 * `npm run cluster`: three Warden instances (the production bundle, dist/warden.mjs) on Postgres
 * and Redis behind HAProxy (deploy/haproxy.cfg), all on loopback. Needs `npm run build` first,
 * a Postgres and a Redis (DATABASE_URL, REDIS_URL; the database is created if missing) and
 * Debian's haproxy. Ctrl-C or SIGTERM stops everything. test/cluster.cluster-spec.ts drives the
 * same functions.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NAMES, ROOT, ensureDatabase, freePort, sharedEnv, startHaproxy, startInstance } from './processes.mjs';

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
