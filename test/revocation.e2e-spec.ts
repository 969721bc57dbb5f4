import { decodeJwt } from 'jose';
import type { EntitySubscriberInterface } from 'typeorm';
import { SessionEventsService } from '../src/sessions/session-events.service.js';
import { SessionStateService } from '../src/sessions/session-state.service.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { resetDatabase, startApp, TEST_DATABASE_URL, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';

const PASSWORD = 'correct horse battery staple';
const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;

/** Polls GET /users/me until it answers 401; returns how long that took (ms) and the last status. */
async function msUntilRefused(http: Client, token: string, limitMs = 1000): Promise<{ ms: number; status: number }> {
  const start = performance.now();
  let status = 0;
  while (performance.now() - start < limitMs) {
    status = (await http.get('/users/me', { token })).status;
    if (status === 401) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { ms: Math.round((performance.now() - start) * 10) / 10, status };
}

const transports: Array<[string, Record<string, string>]> = [
  [TEST_DATABASE_URL ? 'Postgres LISTEN/NOTIFY' : 'PGlite notifications', {}],
  ...(TEST_REDIS_URL ? [['Redis pub/sub', { REDIS_URL: TEST_REDIS_URL }] as [string, Record<string, string>]] : []),
];

describe.each(transports)('revocation across two instances on one database (%s)', (_name, env) => {
  let a: TestApp;
  let b: TestApp;
  let httpA: Client;
  let httpB: Client;
  let n = 0;
  const login = (http: Client) => registerAndLogin(http, `two${++n}@example.com`);

  beforeAll(async () => {
    await resetDatabase();
    a = await startApp(env);
    b = await startApp(env);
    httpA = client(a.url);
    httpB = client(b.url);
    expect(a.app.get(SessionEventsService).listening).toBe(true);
    expect(b.app.get(SessionEventsService).listening).toBe(true);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('log in on A, call B, log out on B: the token fails on A within 1 s', async () => {
    const { tokens } = await login(httpA);
    expect((await httpB.get('/users/me', { token: tokens.access_token })).status).toBe(200);
    expect((await httpA.get('/users/me', { token: tokens.access_token })).status).toBe(200);
    expect((await httpB.post('/auth/logout', { token: tokens.access_token })).status).toBe(204);
    const { ms, status } = await msUntilRefused(httpA, tokens.access_token);
    console.log(`[revocation] logout on B → refused on A after ${ms} ms (${_name})`);
    expect(status).toBe(401);
    expect(ms).toBeLessThan(1000);
    expect((await httpB.get('/users/me', { token: tokens.access_token })).status).toBe(401);
  });

  it('DELETE /auth/sessions on B kills my other session on A at once, and keeps the current one', async () => {
    const first = await login(httpA);
    const email = `two${n}@example.com`;
    const second = await httpA.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD },
    });
    expect((await httpA.get('/users/me', { token: first.tokens.access_token })).status).toBe(200);
    expect((await httpB.delete('/auth/sessions', { token: second.body.access_token })).status).toBe(204);
    const { ms, status } = await msUntilRefused(httpA, first.tokens.access_token);
    expect(status).toBe(401);
    expect(ms).toBeLessThan(1000);
    expect((await httpA.get('/users/me', { token: second.body.access_token })).status).toBe(200);
  });

  it('a refresh-token reuse detected on B kills the session on A', async () => {
    const { tokens } = await login(httpA);
    const grace = await startApp({ ...env, REFRESH_REUSE_GRACE: '1s' });
    try {
      const rotated = await httpA.post('/auth/token', {
        form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      });
      expect((await httpA.get('/users/me', { token: rotated.body.access_token })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const reuse = await client(grace.url).post('/auth/token', {
        form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      });
      expect(reuse.body.error_description).toMatch(/reused/);
      const { ms, status } = await msUntilRefused(httpA, rotated.body.access_token);
      expect(status).toBe(401);
      expect(ms).toBeLessThan(1000);
    } finally {
      await grace.close();
    }
  });

  it('a user disabled (revokeAllForUser) or deleted (notifyUserGone) on B is refused on A', async () => {
    const disabled = await login(httpA);
    expect((await httpA.get('/users/me', { token: disabled.tokens.access_token })).status).toBe(200);
    await b.dataSource.transaction(async (em) => {
      await em.query('UPDATE users SET disabled_at = now() WHERE id = $1', [disabled.user.id]);
      await b.app.get(SessionsService).revokeAllForUser(disabled.user.id, 'user_disabled', { manager: em });
    });
    expect((await msUntilRefused(httpA, disabled.tokens.access_token)).status).toBe(401);

    const deleted = await login(httpA);
    expect((await httpA.get('/users/me', { token: deleted.tokens.access_token })).status).toBe(200);
    await b.dataSource.transaction(async (em) => {
      await em.query('DELETE FROM users WHERE id = $1', [deleted.user.id]);
      await b.app.get(SessionsService).notifyUserGone(deleted.user.id, em);
    });
    const { ms, status } = await msUntilRefused(httpA, deleted.tokens.access_token);
    expect(status).toBe(401);
    expect(ms).toBeLessThan(1000);
  });

  it('a revocation rolled back with its transaction changes nothing anywhere', async () => {
    const { tokens } = await login(httpA);
    const sid = decodeJwt(tokens.access_token).sid as string;
    const userId = decodeJwt(tokens.access_token).sub!;
    await expect(
      b.dataSource.transaction(async (em) => {
        await b.app.get(SessionsService).revoke(sid, userId, 'logout', em);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await httpA.get('/users/me', { token: tokens.access_token })).status).toBe(200);
    expect((await httpB.get('/users/me', { token: tokens.access_token })).status).toBe(200);
  });

  it('checks the session without a database round trip per request (steady state)', async () => {
    const { tokens } = await login(httpA);
    const queries: string[] = [];
    const counter: EntitySubscriberInterface = { beforeQuery: (event) => void queries.push(event.query) };
    a.dataSource.subscribers.push(counter);
    const lookupsBefore = a.app.get(SessionStateService).lookups;
    try {
      for (let i = 0; i < 100; i++) {
        expect((await httpA.get('/users/me', { token: tokens.access_token })).status).toBe(200);
      }
    } finally {
      a.dataSource.subscribers.splice(a.dataSource.subscribers.indexOf(counter), 1);
    }
    const sessionQueries = queries.filter((q) => /\bsessions\b/i.test(q));
    const lookups = a.app.get(SessionStateService).lookups - lookupsBefore;
    console.log(
      `[revocation] 100 × GET /users/me: ${queries.length} queries in all, ${sessionQueries.length} touching sessions, ${lookups} session look-ups (${_name})`,
    );
    expect(lookups).toBeLessThanOrEqual(1);
    expect(sessionQueries.length).toBeLessThanOrEqual(2);
    expect(queries.length).toBeLessThanOrEqual(100 + 2);
  });
});

// The dedicated listener connection exists only on a real Postgres server.
if (TEST_DATABASE_URL) {
  describe('the Postgres listener connection', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      await resetDatabase();
      a = await startApp();
      b = await startApp();
    });
    afterAll(async () => {
      await a.close();
      await b.close();
    });

    it('forgets the cache when the listener drops, reconnects, and stays correct', async () => {
      const httpA = client(a.url);
      const { tokens } = await registerAndLogin(httpA, 'drop@example.com');
      expect((await httpA.get('/users/me', { token: tokens.access_token })).status).toBe(200);
      const events = a.app.get(SessionEventsService);
      await a.dataSource.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'warden-revocation-listener' AND datname = current_database()",
      );
      const deadline = Date.now() + 5000;
      while (events.listening && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(events.listening).toBe(false);
      // A revocation no instance hears about (written behind the app's back) is still seen at once.
      await a.dataSource.query("UPDATE sessions SET revoked_at = now(), revoked_reason = 'test' WHERE id = $1", [
        decodeJwt(tokens.access_token).sid,
      ]);
      expect((await httpA.get('/users/me', { token: tokens.access_token })).status).toBe(401);
      while (!events.listening && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(events.listening).toBe(true);
      // Listening again: a logout on B reaches A.
      const again = await registerAndLogin(httpA, 'drop2@example.com');
      expect((await httpA.get('/users/me', { token: again.tokens.access_token })).status).toBe(200);
      expect((await client(b.url).post('/auth/logout', { token: again.tokens.access_token })).status).toBe(204);
      expect((await msUntilRefused(httpA, again.tokens.access_token)).status).toBe(401);
    });
  });
}
