import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resetDatabase } from './support/app.js';
import { type Outcome, send, type ServerProcess, spawnServer } from './support/process.js';

const PASSWORD = 'correct horse battery staple';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const SHUTDOWN_BOUND_MS = 10_000;

interface Sent extends Outcome {
  id: string;
  kind: 'me' | 'login';
  startedAt: number;
  endedAt: number;
}

/**
 * What "no in-flight request failed" means here, precisely:
 * - a request is *accepted* when the server saw it: its X-Request-Id is in the access log, or
 *   any response byte came back. Every accepted request got a complete response, which is 200
 *   with the expected body, or 503 with the contract's error body ("shutting down",
 *   Connection: close) and an access-log line written after the "Shutting down" line;
 * - every request sent at least 300 ms before SIGTERM (so surely received before it) and not yet
 *   answered at SIGTERM was in flight: it got 200;
 * - a request that was not accepted (connection refused, or reset before any byte and absent from
 *   the log: it never left the kernel's accept queue) was sent after SIGTERM;
 * - the process exits with code 0 within SHUTDOWN_TIMEOUT (10 s), even with an idle keep-alive
 *   connection open.
 */
describe('graceful shutdown (SIGTERM under load)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-shutdown-'));
  let server: ServerProcess;

  beforeAll(async () => {
    await resetDatabase();
    // Costlier hashes make logins last long enough (~0.5 s with ten in parallel) to be in flight at SIGTERM.
    server = await spawnServer({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT: '10s',
      ARGON2_MEMORY_KIB: '65536',
      ARGON2_TIME_COST: '3',
    });
  }, 90_000);
  afterAll(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes every request in flight, refuses the rest with 503, and exits 0 within the bound', async () => {
    const { base } = server;
    const email = 'drain@example.com';
    const registered = await send(base, 'POST', '/auth/register', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(registered.status).toBe(201);
    const loginBody = new URLSearchParams({ grant_type: 'password', username: email, password: PASSWORD }).toString();
    const login = await send(base, 'POST', '/auth/token', { headers: FORM, body: loginBody });
    const token = (JSON.parse(login.body!) as { access_token: string }).access_token;

    // An idle keep-alive connection must not hold the shutdown until keepAliveTimeout (72 s).
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await send(base, 'GET', '/health/live', { agent: keepAlive })).status).toBe(200);

    const results: Sent[] = [];
    let sigtermAt = Infinity;
    let stop = false;
    // Each login loop signs in its own account, as real clients do: many parallel sign-ins of
    // one account from one address are what the per-account back-off is there to slow down.
    const loginBodies: string[] = [];
    for (let i = 0; i < 10; i++) {
      const own = `drain${i}@example.com`;
      const res = await send(base, 'POST', '/auth/register', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: own, password: PASSWORD }),
      });
      expect(res.status).toBe(201);
      loginBodies.push(new URLSearchParams({ grant_type: 'password', username: own, password: PASSWORD }).toString());
    }
    const loop = async (kind: 'me' | 'login', n: number) => {
      while (!stop) {
        const id = randomUUID();
        const startedAt = Date.now();
        const outcome =
          kind === 'me'
            ? await send(base, 'GET', '/users/me', {
                headers: { authorization: `Bearer ${token}`, 'x-request-id': id },
              })
            : await send(base, 'POST', '/auth/token', {
                headers: { ...FORM, 'x-request-id': id },
                body: loginBodies[n],
              });
        results.push({ ...outcome, id, kind, startedAt, endedAt: Date.now() });
        // Like a load balancer: an instance that refused once gets no more traffic.
        if (outcome.error || outcome.status === 503) return;
      }
    };
    const loops = [
      ...Array.from({ length: 10 }, (_, n) => loop('me', n)),
      ...Array.from({ length: 10 }, (_, n) => loop('login', n)),
    ];

    await new Promise((r) => setTimeout(r, 2500));
    sigtermAt = Date.now();
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    const exitMs = Date.now() - sigtermAt;
    stop = true;
    await Promise.all(loops);
    keepAlive.destroy();

    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(SHUTDOWN_BOUND_MS);

    const logs = server.lines.map((line) => {
      try {
        return JSON.parse(line) as { msg?: string; request_id?: string; status?: number };
      } catch {
        return { msg: line };
      }
    });
    const shuttingDown = logs.findIndex((l) => l.msg === 'Shutting down: draining requests in flight');
    expect(shuttingDown).toBeGreaterThan(0);
    expect(logs.some((l) => l.msg === 'Shutdown complete')).toBe(true);
    const logIndex = new Map(logs.map((l, i) => [l.request_id, i]));

    const inFlight = results.filter((r) => r.startedAt <= sigtermAt - 300 && r.endedAt > sigtermAt);
    expect(inFlight.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const r of results) {
      const seen = logIndex.has(r.id);
      const accepted = seen || r.status !== undefined;
      if (!accepted) {
        if (r.startedAt < sigtermAt)
          problems.push(`${r.kind} ${r.id} sent before SIGTERM was not accepted: ${r.error}`);
        if (!['ECONNREFUSED', 'ECONNRESET'].includes(r.error ?? '')) problems.push(`${r.kind} ${r.id}: ${r.error}`);
        continue;
      }
      if (r.error) {
        problems.push(`${r.kind} ${r.id} accepted but cut: ${r.error} (status ${r.status})`);
        continue;
      }
      if (r.status === 200) {
        const body = JSON.parse(r.body!) as Record<string, unknown>;
        if (r.kind === 'me' ? body.email !== email : typeof body.access_token !== 'string') {
          problems.push(`${r.kind} ${r.id}: unexpected 200 body ${r.body}`);
        }
        continue;
      }
      if (r.status === 503) {
        const body = JSON.parse(r.body!) as Record<string, unknown>;
        const expected = {
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'The service is shutting down',
          request_id: r.id,
        };
        if (JSON.stringify(body) !== JSON.stringify(expected)) problems.push(`${r.kind} ${r.id}: 503 body ${r.body}`);
        if (r.headers?.connection !== 'close') problems.push(`${r.kind} ${r.id}: 503 without Connection: close`);
        if ((logIndex.get(r.id) ?? -1) < shuttingDown) problems.push(`${r.kind} ${r.id}: 503 before shutdown began`);
        if (inFlight.includes(r)) problems.push(`${r.kind} ${r.id}: in flight at SIGTERM but answered 503`);
        continue;
      }
      problems.push(`${r.kind} ${r.id}: status ${r.status} ${r.body}`);
    }
    expect(problems).toEqual([]);
    // The load really ran on both routes before SIGTERM.
    expect(results.filter((r) => r.kind === 'me' && r.status === 200).length).toBeGreaterThan(10);
    expect(results.filter((r) => r.kind === 'login' && r.status === 200).length).toBeGreaterThan(5);
  }, 90_000);
});
