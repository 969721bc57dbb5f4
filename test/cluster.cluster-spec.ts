/**
 * The cluster of `npm run cluster` (deploy/): three production bundles on Postgres + Redis behind
 * HAProxy, on loopback. Needs `npm run build`, Debian's haproxy, Postgres and Redis
 * (CLUSTER_TEST_DATABASE_URL, default database cluster_test, emptied first; CLUSTER_TEST_REDIS_URL,
 * default Redis database 9, flushed first).
 */
import { Redis } from 'ioredis';
import { existsSync } from 'node:fs';
import { type Cluster, startCluster } from '../deploy/cluster.mjs';
import { ensureDatabase, haproxyCommand, serverStats } from '../deploy/processes.mjs';
import { call, haproxyLog, rawCall, waitState } from './support/cluster-http.js';
import { startLoad } from './support/cluster-load.js';

const DATABASE_URL = process.env.CLUSTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cluster_test';
const REDIS_URL = process.env.CLUSTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/9';
const PASSWORD = 'correct horse battery staple';
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connections (one request in flight each) and requests per second of the kill test's load. */
const LOAD = {
  read: { connections: 4, rate: 200 },
  refresh: { connections: 3, rate: 60 },
  password: { connections: 2, rate: 10 },
};

let cluster: Cluster;
let users = 0;

async function newUser(): Promise<string> {
  const email = `user${++users}@example.com`;
  const res = await call(`${cluster.url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(201);
  return email;
}

async function login(email: string): Promise<{ access_token: string; refresh_token: string }> {
  const body = new URLSearchParams({ grant_type: 'password', username: email, password: PASSWORD }).toString();
  const res = await call(`${cluster.url}/auth/token`, { method: 'POST', headers: form, body });
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  if (!existsSync('dist/warden.mjs')) throw new Error('dist/warden.mjs is missing: run `npm run build` first');
  await ensureDatabase(DATABASE_URL, { reset: true });
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
  cluster = await startCluster({
    databaseUrl: DATABASE_URL,
    redisUrl: REDIS_URL,
    smtpUrl: 'smtp://127.0.0.1:9',
    // One test client makes every request from one address: the per-address limits would apply.
    env: { AUTH_REQUIRE_EMAIL_VERIFICATION: 'false', RATE_LIMIT_ENABLED: 'false' },
  });
}, 60_000);

afterAll(async () => {
  if (cluster) await cluster.stop().catch(() => undefined);
});

describe('three instances behind HAProxy', () => {
  it('logout through the load balancer: the token is refused on every instance within 1 s, under load', async () => {
    const reader = await login(await newUser());
    const background = startLoad({
      url: cluster.url,
      kind: 'read',
      connections: 2,
      rate: 50,
      seconds: 4,
      requests: () => [
        { method: 'GET', path: '/users/me', headers: { authorization: `Bearer ${reader.access_token}` } },
      ],
    });
    const { access_token } = await login(await newUser());
    const bearer = { authorization: `Bearer ${access_token}` };
    for (const instance of cluster.instances) {
      expect((await call(`${instance.url}/users/me`, { headers: bearer })).status).toBe(200);
    }
    expect((await call(`${cluster.url}/auth/logout`, { method: 'POST', headers: bearer })).status).toBe(204);
    const loggedOut = Date.now();
    const refusedAfter = await Promise.all(
      cluster.instances.map(async (instance) => {
        while ((await call(`${instance.url}/users/me`, { headers: bearer })).status !== 401) {
          if (Date.now() - loggedOut > 5000) throw new Error(`${instance.name} still accepts the token after 5 s`);
          await sleep(10);
        }
        return [instance.name, Date.now() - loggedOut] as const;
      }),
    );
    console.log(`token refused after logout (ms): ${JSON.stringify(Object.fromEntries(refusedAfter))}`);
    for (const [, ms] of refusedAfter) expect(ms).toBeLessThanOrEqual(1000);
    const load = await background.done;
    expect(load.outcomes.filter((o) => o.status !== 200)).toEqual([]);
    expect(load.errorsAt).toEqual([]);
  }, 30_000);

  it('passes the client address on: the session records the address the client connected from, not a forged one', async () => {
    const email = await newUser();
    const body = new URLSearchParams({ grant_type: 'password', username: email, password: PASSWORD }).toString();
    // The second client writes its own X-Forwarded-For: HAProxy appends the real address, and
    // TRUST_PROXY=true (one hop) believes only that entry.
    for (const forged of [undefined, '203.0.113.9']) {
      const headers = forged ? { ...form, 'x-forwarded-for': forged } : form;
      const res = await rawCall(`${cluster.url}/auth/token`, {
        method: 'POST',
        headers,
        body,
        localAddress: '127.0.0.5',
      });
      expect(res.status).toBe(200);
    }
    const { access_token } = await login(email);
    const sessions = await call(`${cluster.url}/auth/sessions`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(sessions.status).toBe(200);
    const ips = (sessions.body as { ip: string; current: boolean }[]).filter((s) => !s.current).map((s) => s.ip);
    expect(ips).toEqual(['127.0.0.5', '127.0.0.5']);
  });

  it('SIGKILL of one instance under load: only its requests in flight fail, no read fails; restarted, it serves again', async () => {
    const readers = await Promise.all([1, 2, 3, 4].map(async () => (await login(await newUser())).access_token));
    const refresher = await newUser();
    // A refresh chain per connection plus spares: a chain whose request died with the instance starts over.
    const refreshTokens: string[] = [];
    for (let i = 0; i < LOAD.refresh.connections + 6; i++) refreshTokens.push((await login(refresher)).refresh_token);
    const passwordUser = await newUser();
    const victim = cluster.instances[1];
    // Bounded: at most 60 s (and rate × 60 requests); stopped once the restarted instance served for 2 s.
    const loads = [
      startLoad({
        url: cluster.url,
        kind: 'read',
        ...LOAD.read,
        seconds: 60,
        requests: (i) => [
          { method: 'GET', path: '/users/me', headers: { authorization: `Bearer ${readers[i % readers.length]}` } },
        ],
      }),
      startLoad({
        url: cluster.url,
        kind: 'refresh',
        ...LOAD.refresh,
        seconds: 60,
        requests: () => {
          const chain = { token: refreshTokens.pop()! };
          return [
            {
              method: 'POST',
              path: '/auth/token',
              headers: form,
              setupRequest: (request) => ({
                ...request,
                body: `grant_type=refresh_token&refresh_token=${chain.token}`,
              }),
              onResponse: (status, text) => {
                chain.token =
                  status === 200 ? (JSON.parse(text) as { refresh_token: string }).refresh_token : refreshTokens.pop()!;
              },
            },
          ];
        },
      }),
      startLoad({
        url: cluster.url,
        kind: 'password',
        ...LOAD.password,
        seconds: 60,
        requests: () => [
          {
            method: 'POST',
            path: '/auth/token',
            headers: form,
            body: `grant_type=password&username=${encodeURIComponent(passwordUser)}&password=${encodeURIComponent(PASSWORD)}`,
          },
        ],
      }),
    ];

    await sleep(3000);
    // Killed while HAProxy has requests in flight on it (sampled just before the kill).
    let inFlightOnVictim = 0;
    for (let tries = 0; tries < 200 && inFlightOnVictim === 0; tries++) {
      inFlightOnVictim = (await serverStats(cluster.statsUrl))[victim.name].inFlight;
    }
    // Non-idempotent requests in flight at the kill, on any instance (client side, at most one per connection).
    const writesInFlight = loads[1].inFlight() + loads[2].inFlight();
    const killedAt = Date.now();
    process.kill(victim.pid, 'SIGKILL');
    const removedAt = await waitState(cluster.statsUrl, victim.name, 'DOWN');
    await sleep(1000);
    const restartAt = Date.now();
    const restarted = await cluster.restart(victim.name);
    const readyAt = Date.now();
    const upAt = await waitState(cluster.statsUrl, victim.name, 'UP');
    await sleep(2000);
    for (const load of loads) load.stop();
    const [readLoad, ...writeLoads] = await Promise.all(loads.map((load) => load.done));

    const outcomes = [readLoad, ...writeLoads].flatMap((r) => r.outcomes);
    const reads = readLoad.outcomes;
    const writes = writeLoads.flatMap((r) => r.outcomes);
    const failedWrites = writes.filter((o) => o.status !== 200);
    // A request the instance died on: HAProxy answers 502, or (when it was not the first request
    // of the client's keep-alive connection) closes that connection unanswered, as a server would.
    const closedWritesAt = writeLoads.flatMap((r) => r.errorsAt);
    const servedAgain = outcomes.filter((o) => o.backend === victim.name && o.at > upAt);
    const figures = {
      requests: {
        reads: reads.length + readLoad.errorsAt.length,
        non_idempotent: writes.length + closedWritesAt.length,
      },
      failed: {
        reads: reads.filter((o) => o.status !== 200).length + readLoad.errorsAt.length,
        non_idempotent_502: failedWrites.length,
        non_idempotent_connection_closed: closedWritesAt.length,
      },
      in_flight_at_kill: {
        on_killed_instance: inFlightOnVictim,
        non_idempotent_outstanding_on_any_instance: writesInFlight,
      },
      removed_from_pool_ms: removedAt - killedAt,
      restart_to_ready_ms: readyAt - restartAt,
      ready_to_back_in_pool_ms: upAt - readyAt,
      redispatched_by_haproxy: haproxyLog(cluster.haproxy.logFile).filter((l) => l.redispatched).length,
      served_by_restarted_instance: servedAgain.length,
    };
    console.log(`cluster under load, ${victim.name} killed: ${JSON.stringify(figures, null, 2)}`);

    expect(figures.failed.reads).toBe(0);
    // Only writes in flight at the kill failed, each on the killed instance, before it left the pool.
    expect(failedWrites.length + closedWritesAt.length).toBeLessThanOrEqual(writesInFlight);
    for (const o of failedWrites) {
      expect(o).toMatchObject({ status: 502, backend: victim.name });
      expect(o.at).toBeGreaterThanOrEqual(killedAt);
      expect(o.at).toBeLessThanOrEqual(removedAt);
    }
    for (const at of closedWritesAt) {
      expect(at).toBeGreaterThanOrEqual(killedAt);
      expect(at).toBeLessThanOrEqual(removedAt);
    }
    expect(outcomes.filter((o) => o.at > removedAt && o.status !== 200)).toEqual([]);
    expect(figures.removed_from_pool_ms).toBeLessThan(2000);
    expect(servedAgain.length).toBeGreaterThan(0);
    expect(servedAgain.every((o) => o.status === 200)).toBe(true);
    expect(
      (await call(`${restarted.url}/users/me`, { headers: { authorization: `Bearer ${readers[0]}` } })).status,
    ).toBe(200);
  }, 90_000);

  it('a request that reached an instance which then died: a GET is retried on another, a POST is not replayed', async () => {
    const email = await newUser();
    const reader = (await login(await newUser())).access_token;
    const [w1, victim, w3] = cluster.instances;
    const { socket } = cluster.haproxy;
    // Only the victim takes new requests; frozen, it accepts connections and never answers.
    await haproxyCommand(socket, `set server warden/${w1.name} state drain`);
    await haproxyCommand(socket, `set server warden/${w3.name} state drain`);
    process.kill(victim.pid, 'SIGSTOP');
    // Each on a new connection (a first request: HAProxy answers 502 rather than closing it).
    const grant = rawCall(`${cluster.url}/auth/token`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ grant_type: 'password', username: email, password: PASSWORD }).toString(),
    });
    const read = rawCall(`${cluster.url}/users/me`, { headers: { authorization: `Bearer ${reader}` } });
    await sleep(300);
    await haproxyCommand(socket, `set server warden/${w1.name} state ready`);
    await haproxyCommand(socket, `set server warden/${w3.name} state ready`);
    process.kill(victim.pid, 'SIGKILL');
    const [grantRes, readRes] = await Promise.all([grant, read]);
    await sleep(100);
    const logged = haproxyLog(cluster.haproxy.logFile)
      .filter((l) => l.method === 'POST')
      .at(-1);
    console.log(
      `in flight on the killed instance: POST → ${grantRes.status} (${grantRes.backend}, HAProxy log: ${JSON.stringify(logged)}), GET → ${readRes.status} (${readRes.backend})`,
    );
    expect(grantRes).toMatchObject({ status: 502, backend: victim.name });
    expect(logged).toEqual({ server: victim.name, status: 502, method: 'POST', redispatched: false });
    expect(readRes.status).toBe(200);
    expect([w1.name, w3.name]).toContain(readRes.backend);
    // Not replayed elsewhere: the account has no session but the one this login creates.
    const { access_token } = await login(email);
    const sessions = await call(`${cluster.url}/auth/sessions`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(sessions.body).toHaveLength(1);
    await cluster.restart(victim.name);
    await waitState(cluster.statsUrl, victim.name, 'UP');
  }, 60_000);

  it('stops gracefully: HAProxy drains, then every instance exits 0', async () => {
    const codes = await cluster.stop();
    cluster = undefined as unknown as Cluster;
    expect(codes).toEqual({ w1: 0, w2: 0, w3: 0 });
  }, 30_000);
});
