import { decodeJwt } from 'jose';
import { SessionEventsService } from '../src/sessions/session-events.service.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';

const PASSWORD = 'correct horse battery staple';

describe('session management (/auth/sessions)', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;

  async function twoSessions() {
    const email = `sessions${++n}@example.com`;
    const first = await registerAndLogin(http, email);
    const second = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD },
      headers: { 'user-agent': 'WardenTest/2.0 (phone)' },
    });
    return { user: first.user, first: first.tokens, second: second.body };
  }

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('lists my active sessions, newest first, with the current one marked', async () => {
    const { first, second } = await twoSessions();
    const res = await http.get('/auth/sessions', { token: second.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        id: decodeJwt(second.access_token).sid,
        created_at: expect.stringMatching(/Z$/),
        last_used_at: expect.stringMatching(/Z$/),
        user_agent: 'WardenTest/2.0 (phone)',
        ip: '127.0.0.1',
        current: true,
      },
      {
        id: decodeJwt(first.access_token).sid,
        created_at: expect.stringMatching(/Z$/),
        last_used_at: expect.stringMatching(/Z$/),
        user_agent: 'node',
        ip: '127.0.0.1',
        current: false,
      },
    ]);
    const other = await registerAndLogin(http, `stranger${++n}@example.com`);
    const mine = await http.get('/auth/sessions', { token: other.tokens.access_token });
    expect(mine.body).toHaveLength(1);
  });

  it('revokes one of my sessions: 204, its token refused at once, gone from the list', async () => {
    const { first, second } = await twoSessions();
    const sid = decodeJwt(first.access_token).sid as string;
    const res = await http.delete(`/auth/sessions/${sid}`, { token: second.access_token });
    expect(res.status).toBe(204);
    expect((await http.get('/users/me', { token: first.access_token })).status).toBe(401);
    const list = await http.get('/auth/sessions', { token: second.access_token });
    expect(list.body.map((s: { id: string }) => s.id)).toEqual([decodeJwt(second.access_token).sid]);
    // Already revoked: no longer an active session of mine.
    expect((await http.delete(`/auth/sessions/${sid}`, { token: second.access_token })).status).toBe(404);
  });

  it("answers 404 for someone else's session and leaves it alone, 400 for a malformed id", async () => {
    const mine = await twoSessions();
    const theirs = await registerAndLogin(http, `victim${++n}@example.com`);
    const theirSid = decodeJwt(theirs.tokens.access_token).sid as string;
    const res = await http.delete(`/auth/sessions/${theirSid}`, { token: mine.first.access_token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Session not found',
      request_id: expect.any(String),
    });
    expect((await http.get('/users/me', { token: theirs.tokens.access_token })).status).toBe(200);
    const bad = await http.delete('/auth/sessions/not-a-uuid', { token: mine.first.access_token });
    expect(bad.status).toBe(400);
    expect(bad.body.statusCode).toBe(400);
  });

  it('revokes all my other sessions and keeps the current one', async () => {
    const { first, second } = await twoSessions();
    const email = `sessions${n}@example.com`;
    const third = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD },
    });
    const res = await http.delete('/auth/sessions', { token: second.access_token });
    expect(res.status).toBe(204);
    expect((await http.get('/users/me', { token: first.access_token })).status).toBe(401);
    expect((await http.get('/users/me', { token: third.body.access_token })).status).toBe(401);
    expect((await http.get('/users/me', { token: second.access_token })).status).toBe(200);
    const refreshed = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: first.refresh_token },
    });
    expect(refreshed.body.error_description).toMatch(/revoked/);
    const list = await http.get('/auth/sessions', { token: second.access_token });
    expect(list.body).toHaveLength(1);
  });

  it('requires authentication', async () => {
    const res = await http.get('/auth/sessions');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="warden"');
  });

  it('records last_used_at at most once a minute, without a write per request', async () => {
    const { first } = await twoSessions();
    const sid = decodeJwt(first.access_token).sid;
    await t.dataSource.query("UPDATE sessions SET last_used_at = now() - interval '5 minutes' WHERE id = $1", [sid]);
    // Forget the cached state (which remembers the login time) so that the old value is read.
    t.app.get(SessionEventsService).cache.invalidateSession(sid as string);
    const writes: string[] = [];
    const counter = {
      beforeQuery: (e: { query: string }) =>
        void (/UPDATE sessions SET last_used_at/i.test(e.query) && writes.push(e.query)),
    };
    t.dataSource.subscribers.push(counter);
    try {
      for (let i = 0; i < 10; i++)
        expect((await http.get('/users/me', { token: first.access_token })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      t.dataSource.subscribers.splice(t.dataSource.subscribers.indexOf(counter), 1);
    }
    expect(writes).toHaveLength(1);
    const [row] = await t.dataSource.query(
      "SELECT last_used_at > now() - interval '10 seconds' AS fresh FROM sessions WHERE id = $1",
      [sid],
    );
    expect(row.fresh).toBe(true);
  });
});
