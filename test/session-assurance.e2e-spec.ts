import { decodeJwt } from 'jose';
import type { EntitySubscriberInterface } from 'typeorm';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';

const SECRET = 'introspection-secret-0123456789-abcdef';
const ORIGIN = 'http://localhost:3000';

describe('session assurance: acr, amr and auth_time', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;
  const email = () => `assurance${++n}@example.com`;
  const sessionRow = async (sid: string) =>
    (
      await t.dataSource.query<Array<{ acr: string; amr: string[]; auth_time: Date; created_at: Date }>>(
        'SELECT acr, amr, auth_time, created_at FROM sessions WHERE id = $1',
        [sid],
      )
    )[0];
  const refresh = (refreshToken: string) =>
    http.post('/auth/token', { form: { grant_type: 'refresh_token', refresh_token: refreshToken } });

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ INTROSPECTION_SECRET: SECRET });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('records a password login as aal1 with amr ["pwd"] in the session and in the access token', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { tokens } = await registerAndLogin(http, email());
    const claims = decodeJwt(tokens.access_token);
    expect(claims.acr).toBe('aal1');
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat!);
    const row = await sessionRow(claims.sid as string);
    expect(row.acr).toBe('aal1');
    expect(row.amr).toEqual(['pwd']);
    expect(Math.floor(new Date(row.auth_time).getTime() / 1000)).toBe(claims.auth_time);
  });

  it('records a cookie login the same way', async () => {
    const address = email();
    await http.post('/auth/register', { json: { email: address, password: PASSWORD } });
    const res = await http.post('/auth/login', {
      json: { email: address, password: PASSWORD },
      headers: { origin: ORIGIN },
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('access_token='))!;
    const claims = decodeJwt(cookie.slice('access_token='.length).split(';')[0]);
    expect(claims).toMatchObject({ acr: 'aal1', amr: ['pwd'], auth_time: expect.any(Number) });
    expect((await sessionRow(claims.sid as string)).acr).toBe('aal1');
  });

  it("keeps the session's acr, amr and auth_time on a refresh, in the token and in introspection", async () => {
    const { tokens } = await registerAndLogin(http, email());
    const sid = decodeJwt(tokens.access_token).sid as string;
    const raisedAt = Math.floor(Date.now() / 1000);
    expect(await t.app.get(SessionsService).raiseToAal2(sid, ['pwd', 'otp', 'mfa'])).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const res = await refresh(tokens.refresh_token);
    expect(res.status).toBe(200);
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ sid, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    expect(claims.auth_time).toBeGreaterThanOrEqual(raisedAt);
    expect(claims.auth_time).toBeLessThan(claims.iat!);
    const again = decodeJwt((await refresh(res.body.refresh_token)).body.access_token);
    expect(again.auth_time).toBe(claims.auth_time);
    const introspected = await http.post('/auth/introspect', {
      form: { token: res.body.access_token },
      headers: { authorization: `Bearer ${SECRET}` },
    });
    expect(introspected.body).toMatchObject({
      active: true,
      acr: 'aal2',
      amr: ['pwd', 'otp', 'mfa'],
      auth_time: claims.auth_time,
    });
  });

  it("introspects an older token by its session's current level once the session was raised", async () => {
    const { tokens } = await registerAndLogin(http, email());
    const introspect = () =>
      http.post('/auth/introspect', {
        form: { token: tokens.access_token },
        headers: { authorization: `Bearer ${SECRET}` },
      });
    expect((await introspect()).body).toMatchObject({ acr: 'aal1', amr: ['pwd'] });
    await t.app.get(SessionsService).raiseToAal2(decodeJwt(tokens.access_token).sid as string, ['pwd', 'mfa']);
    expect((await introspect()).body).toMatchObject({ active: true, acr: 'aal2', amr: ['pwd', 'mfa'] });
    expect(decodeJwt(tokens.access_token).acr).toBe('aal1');
  });

  it('does not raise a revoked session', async () => {
    const { tokens } = await registerAndLogin(http, email());
    const sid = decodeJwt(tokens.access_token).sid as string;
    expect((await http.post('/auth/logout', { token: tokens.access_token })).status).toBe(204);
    expect(await t.app.get(SessionsService).raiseToAal2(sid, ['pwd', 'otp', 'mfa'])).toBe(false);
    expect((await sessionRow(sid)).acr).toBe('aal1');
  });

  it('costs the refresh grant no extra query: one read and one write', async () => {
    const { tokens } = await registerAndLogin(http, email());
    const queries: string[] = [];
    const counter: EntitySubscriberInterface = { beforeQuery: (event) => void queries.push(event.query) };
    t.dataSource.subscribers.push(counter);
    try {
      expect((await refresh(tokens.refresh_token)).status).toBe(200);
    } finally {
      t.dataSource.subscribers.splice(t.dataSource.subscribers.indexOf(counter), 1);
    }
    expect(queries).toHaveLength(2);
  });
});

describe('session assurance of sessions that existed before it', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
  });
  afterAll(() => t.close());

  it('are aal1 password sessions authenticated when they were created', async () => {
    const http = client(t.url);
    const { tokens } = await registerAndLogin(http, 'legacy@example.com');
    const sid = decodeJwt(tokens.access_token).sid as string;
    const runner = t.dataSource.createQueryRunner();
    try {
      // Back to the schema before the migration, with an old session in it, and forward again.
      const migration = t.dataSource.migrations.find((m) => m.name === 'SessionAssurance1797000100000')!;
      await migration.down(runner);
      await runner.query(`UPDATE sessions SET created_at = now() - interval '3 days' WHERE id = $1`, [sid]);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    const [row] = await t.dataSource.query<Array<{ acr: string; amr: string[]; auth_time: Date; created_at: Date }>>(
      'SELECT acr, amr, auth_time, created_at FROM sessions WHERE id = $1',
      [sid],
    );
    expect(row.acr).toBe('aal1');
    expect(row.amr).toEqual(['pwd']);
    expect(new Date(row.auth_time).getTime()).toBe(new Date(row.created_at).getTime());
    expect((await http.get('/users/me', { token: tokens.access_token })).status).toBe(200);
    expect((await login(http)).status).toBe(200);
  });

  function login(http: Client) {
    return http.post('/auth/token', {
      form: { grant_type: 'password', username: 'legacy@example.com', password: PASSWORD },
    });
  }
});
