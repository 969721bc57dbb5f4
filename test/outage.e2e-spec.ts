import { DataSource } from 'typeorm';
import { resetDatabase, startApp, TEST_DATABASE_URL, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { TcpProxy } from './support/tcp-proxy.js';

/**
 * Database and Redis outages need a real server to take away, so this file always runs against
 * Postgres (and Redis): TEST_DATABASE_URL when set, else the local 127.0.0.1:5432 in a database
 * of its own; the app reaches it through a TCP proxy that the test cuts and restores.
 */
const LOCAL_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const OWN_DATABASE = 'warden_outage_test';
const REDIS = { host: '127.0.0.1', port: 6379 };

async function targetDatabaseUrl(): Promise<string> {
  if (TEST_DATABASE_URL) {
    await resetDatabase();
    return TEST_DATABASE_URL;
  }
  const admin = new DataSource({ type: 'postgres', url: LOCAL_ADMIN_URL });
  await admin.initialize();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [OWN_DATABASE]);
    if (exists.length === 0) await admin.query(`CREATE DATABASE "${OWN_DATABASE}"`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(LOCAL_ADMIN_URL);
  url.pathname = `/${OWN_DATABASE}`;
  const own = new DataSource({ type: 'postgres', url: url.toString() });
  await own.initialize();
  await own.query('DROP SCHEMA IF EXISTS public CASCADE');
  await own.query('CREATE SCHEMA public');
  await own.destroy();
  return url.toString();
}

function viaProxy(databaseUrl: string, port: number): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

/** Polls until `check` holds; returns the milliseconds it took, or fails after `timeoutMs`. */
async function within(timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await run();
  return { result, ms: Date.now() - started };
}

describe('database outage', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let http: Client;
  let token: string;
  const login = { grant_type: 'password', username: 'outage@example.com', password: 'correct horse battery staple' };

  beforeAll(async () => {
    const target = new URL(await targetDatabaseUrl());
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    const port = await proxy.start();
    t = await startApp({ DATABASE_URL: viaProxy(target.toString(), port) });
    http = client(t.url);
    token = (await registerAndLogin(http, login.username, login.password)).tokens.access_token;
  }, 60_000);
  afterAll(async () => {
    proxy.restore();
    await t.close();
    await proxy.close();
  });

  const ready = async () => (await http.get('/health/ready')).status;

  it('turns not ready, answers 503 fast, and recovers without a restart when Postgres goes away', async () => {
    expect(await ready()).toBe(200);
    expect((await http.get('/users/me', { token })).status).toBe(200);

    proxy.cut();
    expect(await within(5000, async () => (await ready()) === 503)).toBeLessThan(5000);
    const notReady = await http.get('/health/ready');
    expect(notReady.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Database unavailable',
    });

    const me = await timed(() => http.get('/users/me', { token }));
    expect(me.ms).toBeLessThanOrEqual(5000);
    expect(me.result.status).toBe(503);
    expect(me.result.headers.get('retry-after')).toBe('5');
    expect(me.result.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Service temporarily unavailable, try again shortly',
      request_id: me.result.headers.get('x-request-id'),
    });

    const grant = await timed(() => http.post('/auth/token', { form: login }));
    expect(grant.ms).toBeLessThanOrEqual(5000);
    expect(grant.result.status).toBe(503);
    expect(grant.result.body).toMatchObject({ error: 'temporarily_unavailable' });

    proxy.restore();
    await within(10_000, async () => (await ready()) === 200);
    expect((await http.get('/users/me', { token })).status).toBe(200);
    expect((await http.post('/auth/token', { form: login })).status).toBe(200);
  }, 60_000);

  it('fails fast with 503 when the network to Postgres silently stops answering, then recovers', async () => {
    // Make sure pooled connections exist, so that the stall catches queries on open connections.
    await Promise.all(Array.from({ length: 4 }, () => http.get('/users/me', { token })));

    proxy.stall();
    const me = await timed(() => http.get('/users/me', { token }));
    expect(me.ms).toBeLessThanOrEqual(5000);
    expect(me.result.status).toBe(503);
    expect(await within(5000, async () => (await ready()) === 503)).toBeLessThan(5000);

    proxy.restore();
    await within(10_000, async () => (await ready()) === 200);
    expect((await http.get('/users/me', { token })).status).toBe(200);
  }, 60_000);

  it('logs the outage as a warning with the request id, never as an unhandled error', () => {
    const lines = t.logs.map((l) => JSON.parse(l) as { level: number; msg: string; request_id?: string });
    expect(lines.some((l) => l.msg === 'Database unavailable' && l.level === 40 && l.request_id)).toBe(true);
    expect(lines.filter((l) => l.msg === 'Unhandled error')).toEqual([]);
  });
});

describe('Redis outage (REDIS_URL set)', () => {
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    proxy = new TcpProxy(REDIS.host, REDIS.port);
    const port = await proxy.start();
    t = await startApp({ REDIS_URL: `redis://127.0.0.1:${port}/15` });
  }, 60_000);
  afterAll(async () => {
    proxy.restore();
    await t.close();
    await proxy.close();
  });

  it('is not ready while Redis is away and ready again once it is back', async () => {
    const http = client(t.url);
    expect((await http.get('/health/ready')).body).toEqual({ status: 'ok', database: 'up', redis: 'up' });
    proxy.cut();
    await within(5000, async () => (await http.get('/health/ready')).status === 503);
    expect((await http.get('/health/ready')).body).toMatchObject({ statusCode: 503, message: 'Redis unavailable' });
    proxy.restore();
    await within(10_000, async () => (await http.get('/health/ready')).status === 200);
  }, 30_000);
});
