import { decodeJwt } from 'jose';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('POST /auth/token grant_type=refresh_token', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;
  const login = () => registerAndLogin(http, `refresh${++n}@example.com`);
  const refresh = (refresh_token: string, extra: Record<string, string> = {}) =>
    http.post('/auth/token', { form: { grant_type: 'refresh_token', refresh_token, ...extra } });

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ REFRESH_REUSE_GRACE: '1s' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('rotates: a new pair for the same session, the old token marked rotated', async () => {
    const { tokens } = await login();
    const res = await refresh(tokens.refresh_token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      scope: 'profile',
    });
    expect(res.body.refresh_token).not.toBe(tokens.refresh_token);
    const before = decodeJwt(tokens.access_token);
    const after = decodeJwt(res.body.access_token);
    expect(after.sid).toBe(before.sid);
    expect(after.jti).not.toBe(before.jti);
    const rows = await t.dataSource.query(
      'SELECT rotated_at FROM refresh_tokens WHERE session_id = $1 ORDER BY created_at',
      [before.sid],
    );
    expect(rows).toHaveLength(2);
    expect(rows[0].rotated_at).not.toBeNull();
    expect(rows[1].rotated_at).toBeNull();
    expect((await http.get('/users/me', { token: res.body.access_token })).status).toBe(200);
    // The new refresh token rotates in turn.
    expect((await refresh(res.body.refresh_token)).status).toBe(200);
  });

  it('answers a reuse within the grace with a valid pair for the same session', async () => {
    const { tokens } = await login();
    const first = await refresh(tokens.refresh_token);
    const second = await refresh(tokens.refresh_token);
    expect(second.status).toBe(200);
    expect(decodeJwt(second.body.access_token).sid).toBe(decodeJwt(first.body.access_token).sid);
    expect((await http.get('/users/me', { token: first.body.access_token })).status).toBe(200);
    expect((await http.get('/users/me', { token: second.body.access_token })).status).toBe(200);
    // Both tabs can go on rotating their own token.
    expect((await refresh(first.body.refresh_token)).status).toBe(200);
    expect((await refresh(second.body.refresh_token)).status).toBe(200);
  });

  it('refuses a reused refresh token after the grace period and revokes the whole session', async () => {
    const { tokens } = await login();
    const rotated = await refresh(tokens.refresh_token);
    expect(rotated.status).toBe(200);
    const current = rotated.body.access_token;
    expect((await http.get('/users/me', { token: current })).status).toBe(200);
    await sleep(1300);
    const reuse = await refresh(tokens.refresh_token);
    expect(reuse.status).toBe(400);
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/reused/) });
    const me = await http.get('/users/me', { token: current });
    expect(me.status).toBe(401);
    expect(me.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');
    const [session] = await t.dataSource.query('SELECT revoked_at, revoked_reason FROM sessions WHERE id = $1', [
      decodeJwt(current).sid,
    ]);
    expect(session.revoked_at).not.toBeNull();
    expect(session.revoked_reason).toBe('refresh_reuse');
    // The newest token of the family dies with the session.
    const newest = await refresh(rotated.body.refresh_token);
    expect(newest.body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/revoked/) });
  });

  it('survives 20 parallel refreshes of one token inside the grace: no 5xx, the session still works', async () => {
    // A grace that a loaded machine cannot outlast while the 20 requests are served (this
    // file's app has a 1 s grace for the reuse tests).
    const patient = await startApp({ REFRESH_REUSE_GRACE: '60s' });
    try {
      const api = client(patient.url);
      const { tokens } = await registerAndLogin(api, `refresh${++n}@example.com`);
      const refreshOn = (refresh_token: string) =>
        api.post('/auth/token', { form: { grant_type: 'refresh_token', refresh_token } });
      const results = await Promise.all(Array.from({ length: 20 }, () => refreshOn(tokens.refresh_token)));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s >= 500)).toEqual([]);
      expect(statuses.every((s) => s === 200)).toBe(true);
      const sid = decodeJwt(tokens.access_token).sid;
      expect(new Set(results.map((r) => decodeJwt(r.body.access_token).sid))).toEqual(new Set([sid]));
      const [{ count }] = await patient.dataSource.query(
        'SELECT count(*)::int AS count FROM refresh_tokens WHERE session_id = $1 AND rotated_at IS NULL',
        [sid],
      );
      expect(count).toBe(20);
      const last = results[results.length - 1].body;
      expect((await api.get('/users/me', { token: last.access_token })).status).toBe(200);
      expect((await refreshOn(last.refresh_token)).status).toBe(200);
      const [session] = await patient.dataSource.query('SELECT revoked_at FROM sessions WHERE id = $1', [sid]);
      expect(session.revoked_at).toBeNull();
    } finally {
      await patient.close();
    }
  });

  it.each([
    ['an unknown token', 'not-a-token-we-issued', /unknown/],
    ['an over-long token', 'x'.repeat(600), /unknown/],
  ])('refuses %s with invalid_grant', async (_name, token, description) => {
    const res = await refresh(token);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(description) });
  });

  it('refuses the token of an expired session (absolute lifetime)', async () => {
    const { tokens } = await login();
    await t.dataSource.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [
      decodeJwt(tokens.access_token).sid,
    ]);
    const res = await refresh(tokens.refresh_token);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/expired/) });
  });

  it('refuses the token of a revoked session and of a disabled user', async () => {
    const a = await login();
    await http.post('/auth/revoke', { form: { token: a.tokens.refresh_token } });
    expect((await refresh(a.tokens.refresh_token)).body.error_description).toMatch(/revoked/);
    const b = await login();
    await t.dataSource.query('UPDATE users SET disabled_at = now() WHERE id = $1', [b.user.id]);
    expect((await refresh(b.tokens.refresh_token)).body.error_description).toMatch(/revoked/);
  });

  it('keeps the scope granted at login and refuses a wider one without spending the token', async () => {
    const email = `admin${++n}@example.com`;
    await http.post('/auth/register', { json: { email, password: 'correct horse battery staple' } });
    await t.dataSource.query("UPDATE users SET roles = '{user,admin}' WHERE email = $1", [email]);
    const login = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: 'correct horse battery staple', scope: 'profile' },
    });
    expect(login.body.scope).toBe('profile');
    const wider = await refresh(login.body.refresh_token, { scope: 'profile users:read' });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
    const same = await refresh(login.body.refresh_token);
    expect(same.status).toBe(200);
    expect(same.body.scope).toBe('profile');
  });

  it('answers invalid_request without refresh_token', async () => {
    const res = await http.post('/auth/token', { form: { grant_type: 'refresh_token' } });
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'Missing parameter: refresh_token' });
  });

  it('never writes a refresh token into the log', async () => {
    const { tokens } = await login();
    const res = await refresh(tokens.refresh_token);
    const logs = t.logs.join('\n');
    expect(logs).not.toContain(tokens.refresh_token);
    expect(logs).not.toContain(res.body.refresh_token);
  });
});

describe('POST /auth/revoke (RFC 7009)', () => {
  let t: TestApp;
  let http: Client;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('revokes the session of a refresh token: its access token fails at once', async () => {
    const { tokens } = await registerAndLogin(http, 'revoke1@example.com');
    const res = await http.post('/auth/revoke', {
      form: { token: tokens.refresh_token, token_type_hint: 'refresh_token' },
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect((await http.get('/users/me', { token: tokens.access_token })).status).toBe(401);
    const [session] = await t.dataSource.query('SELECT revoked_reason FROM sessions WHERE id = $1', [
      decodeJwt(tokens.access_token).sid,
    ]);
    expect(session.revoked_reason).toBe('revoked');
  });

  it('revokes the session of an access token (JSON body, no hint)', async () => {
    const { tokens } = await registerAndLogin(http, 'revoke2@example.com');
    expect((await http.post('/auth/revoke', { json: { token: tokens.access_token } })).status).toBe(200);
    expect((await http.get('/users/me', { token: tokens.access_token })).status).toBe(401);
    const refreshed = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
    });
    expect(refreshed.body.error_description).toMatch(/revoked/);
  });

  it.each([
    ['garbage', { token: 'garbage' }],
    ['a JWT-shaped forgery', { token: 'a.b.c' }],
    ['extra client parameters', { token: 'x', client_id: 'spa', token_type_hint: 'nonsense' }],
  ])('answers 200 for %s', async (_name, form) => {
    const res = await http.post('/auth/revoke', { form });
    expect(res.status).toBe(200);
  });

  it.each([
    ['no token at all', { form: {} }],
    ['an empty token', { form: { token: '' } }],
    ['a token that is not a string', { json: { token: 42 } }],
  ])('answers 400 invalid_request for %s (RFC 7009: a malformed request)', async (_name, body) => {
    const res = await http.post('/auth/revoke', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'Missing parameter: token (one string)' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
