import { AuditService } from '../src/audit/audit.service.js';
import { decodeJwt } from 'jose';
import { SessionEventsService } from '../src/sessions/session-events.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { cookieHeader, setCookies } from './support/cookies.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { enableMfa, totpCode } from './support/mfa.js';
import { giveMfa, ORIGIN, otpGrant, passwordGrant, wrongCode } from './support/mfa-login.js';

const CHALLENGE =
  /^Bearer realm="warden", error="insufficient_user_authentication", error_description="[^"]+", acr_values="aal2"$/;

/** An aal1 session of a user who turned MFA on after signing in (the state step-up is for). */
async function aal1UserWithMfa(t: TestApp, http: Client, email: string) {
  const { user, tokens } = await registerAndLogin(http, email);
  const mfa = await giveMfa(t, user.id as string);
  return { userId: user.id as string, email, tokens, ...mfa };
}

const validCodes = (secret: string) => [-1, 0, 1].map((offset) => totpCode(secret, offset));

describe('step-up: routes that need aal2 for a user with MFA on', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;
  const email = () => `step-up${++n}@example.com`;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ LOGIN_MAX_FAILURES: '50' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('answers 401 insufficient_user_authentication on the sensitive routes of an aal1 session and changes nothing', async () => {
    const user = await aal1UserWithMfa(t, http, email());
    const token = user.tokens.access_token;
    const other = await passwordGrant(http, user.email); // mfa_required: no second session
    expect(other.body.error).toBe('mfa_required');
    const hashBefore = (await t.dataSource.query('SELECT password_hash FROM users WHERE id = $1', [user.userId]))[0];
    await t.app.get(AuditService).flush();
    const eventsBefore = (
      await t.dataSource.query('SELECT count(*)::int AS n FROM auth_events WHERE user_id = $1', [user.userId])
    )[0].n;
    const attempts = [
      http.put('/users/me/password', {
        token,
        json: { current_password: PASSWORD, new_password: 'a brand new passphrase 42' },
      }),
      http.post('/users/me/email', { token, json: { new_email: `new${n}@example.com`, password: PASSWORD } }),
      http.delete('/users/me', { token, json: { password: PASSWORD } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(CHALLENGE);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.stringContaining('second factor'),
        request_id: expect.any(String),
      });
    }
    expect((await t.dataSource.query('SELECT password_hash FROM users WHERE id = $1', [user.userId]))[0]).toEqual(
      hashBefore,
    );
    await t.app.get(AuditService).flush();
    const eventsAfter = (
      await t.dataSource.query('SELECT count(*)::int AS n FROM auth_events WHERE user_id = $1', [user.userId])
    )[0].n;
    expect(eventsAfter).toBe(eventsBefore);
    expect((await http.get('/users/me', { token })).body.email).toBe(user.email);
    expect(
      await t.dataSource.query(`SELECT 1 FROM email_codes WHERE user_id = $1 AND purpose = 'email_change'`, [
        user.userId,
      ]),
    ).toEqual([]);
  });

  it('leaves users without MFA as they were: aal1 may change the password', async () => {
    const { tokens } = await registerAndLogin(http, email());
    const res = await http.put('/users/me/password', {
      token: tokens.access_token,
      json: { current_password: PASSWORD, new_password: 'a brand new passphrase 42' },
    });
    expect(res.status).toBe(204);
  });

  it('lets an aal2 login through', async () => {
    const user = await aal1UserWithMfa(t, http, email());
    const first = await passwordGrant(http, user.email);
    const second = await otpGrant(http, first.body.mfa_token, totpCode(user.secret));
    const res = await http.post('/users/me/email', { token: second.body.access_token, json: {} });
    expect(res.status).toBe(400); // past the step-up guard, stopped by validation
  });

  it('POST /auth/mfa/verify (bearer): raises the session, answers new tokens for it, and the older token passes too', async () => {
    const user = await aal1UserWithMfa(t, http, email());
    const sid = decodeJwt(user.tokens.access_token).sid;
    const res = await http.post('/auth/mfa/verify', {
      token: user.tokens.access_token,
      json: { otp: totpCode(user.secret) },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
      scope: 'profile',
    });
    expect(decodeJwt(res.body.access_token)).toMatchObject({ sid, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    const [session] = await t.dataSource.query('SELECT acr, amr FROM sessions WHERE id = $1', [sid]);
    expect(session).toEqual({ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    const [old] = await t.dataSource.query(
      `SELECT rotated_at FROM refresh_tokens WHERE session_id = $1 ORDER BY created_at LIMIT 1`,
      [sid],
    );
    expect(old.rotated_at).not.toBeNull();
    const refreshed = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: res.body.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    // Judged on the session's level now: the token issued at aal1 passes the guard.
    expect((await http.post('/users/me/email', { token: user.tokens.access_token, json: {} })).status).toBe(400);
  });

  it('POST /auth/mfa/verify (cookie): {user, expires_in} and new cookies for the same session', async () => {
    const address = email();
    await http.post('/auth/register', { json: { email: address, password: PASSWORD } });
    const login = await http.post('/auth/login', {
      json: { email: address, password: PASSWORD },
      headers: { origin: ORIGIN },
    });
    const cookies = setCookies(login);
    const userId = login.body.user.id as string;
    const { secret } = await giveMfa(t, userId);
    const cookie = cookieHeader({ access_token: cookies.access_token.value });
    const noOrigin = await http.post('/auth/mfa/verify', { json: { otp: totpCode(secret) }, headers: { cookie } });
    expect(noOrigin.status).toBe(403);
    const res = await http.post('/auth/mfa/verify', {
      json: { otp: totpCode(secret) },
      headers: { cookie, origin: ORIGIN },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: expect.objectContaining({ id: userId }), expires_in: 900 });
    const fresh = setCookies(res);
    const claims = decodeJwt(fresh.access_token.value);
    expect(claims).toMatchObject({ sid: decodeJwt(cookies.access_token.value).sid, acr: 'aal2' });
    expect(fresh.refresh_token.value).not.toBe(cookies.refresh_token.value);
  });

  it('answers a wrong or replayed code with 400 "Invalid code", audits mfa_failed, and changes nothing', async () => {
    const user = await aal1UserWithMfa(t, http, email());
    const token = user.tokens.access_token;
    const sid = decodeJwt(token).sid;
    const wrong = await http.post('/auth/mfa/verify', { token, json: { otp: wrongCode(validCodes(user.secret)) } });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Invalid code',
      request_id: expect.any(String),
    });
    const badRecovery = await http.post('/auth/mfa/verify', { token, json: { recovery_code: 'zzzzz-zzzzz' } });
    expect(badRecovery.status).toBe(400);
    expect((await t.dataSource.query('SELECT acr FROM sessions WHERE id = $1', [sid]))[0].acr).toBe('aal1');
    const tokens = await t.dataSource.query('SELECT rotated_at FROM refresh_tokens WHERE session_id = $1', [sid]);
    expect(tokens).toEqual([{ rotated_at: null }]);
    await t.app.get(AuditService).flush();
    const failed = await t.dataSource.query(
      `SELECT details FROM auth_events WHERE user_id = $1 AND type = 'mfa_failed'`,
      [user.userId],
    );
    expect(failed).toHaveLength(2);
    expect((await http.post('/users/me/email', { token, json: {} })).status).toBe(401);
    // A code accepted once is refused afterwards within its step.
    const code = totpCode(user.secret);
    expect((await http.post('/auth/mfa/verify', { token, json: { otp: code } })).status).toBe(200);
    expect((await http.post('/auth/mfa/verify', { token, json: { otp: code } })).body.message).toBe('Invalid code');
  });

  it('raises the session that confirms the first factor to aal2; another aal1 session of the user must step up on the MFA routes', async () => {
    const address = email();
    const { tokens: first } = await registerAndLogin(http, address);
    const second = (await passwordGrant(http, address)).body.access_token as string;
    const { factorId, secret } = await enableMfa(http, first.access_token);
    const [raised] = await t.dataSource.query('SELECT acr, amr FROM sessions WHERE id = $1', [
      decodeJwt(first.access_token).sid,
    ]);
    expect(raised).toEqual({ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    const attempts = [
      http.post('/auth/mfa/totp', { token: second, json: {} }),
      http.delete(`/auth/mfa/factors/${factorId}`, { token: second }),
      http.post('/auth/mfa/recovery-codes', { token: second, json: {} }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(CHALLENGE);
    }
    expect((await http.get('/auth/mfa', { token: second })).body.factors).toHaveLength(1);
    expect((await http.post('/auth/mfa/recovery-codes', { token: first.access_token, json: {} })).status).toBe(200);
    // The confirmation spent the current step; the next one is accepted too.
    const stepped = await http.post('/auth/mfa/verify', { token: second, json: { otp: totpCode(secret, 1) } });
    expect(stepped.status).toBe(200);
    expect((await http.delete(`/auth/mfa/factors/${factorId}`, { token: second })).status).toBe(204);
  });

  it('answers 400 for a user without MFA', async () => {
    const { tokens } = await registerAndLogin(http, email());
    const res = await http.post('/auth/mfa/verify', { token: tokens.access_token, json: { otp: '123456' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Two-factor authentication is not on for this account');
  });
});

describe('step-up across two instances on one database', () => {
  let a: TestApp;
  let b: TestApp;
  let httpA: Client;
  let httpB: Client;

  beforeAll(async () => {
    await resetDatabase();
    a = await startApp({ LOGIN_MAX_FAILURES: '50' });
    b = await startApp({ LOGIN_MAX_FAILURES: '50' });
    httpA = client(a.url);
    httpB = client(b.url);
    expect(b.app.get(SessionEventsService).listening).toBe(true);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('refuses on B, as a replay, a code accepted on A within the same step', async () => {
    const user = await aal1UserWithMfa(a, httpA, 'two-replay@example.com');
    const code = totpCode(user.secret);
    const onA = await otpGrant(httpA, (await passwordGrant(httpA, user.email)).body.mfa_token, code);
    expect(onA.status).toBe(200);
    const onB = await otpGrant(httpB, (await passwordGrant(httpB, user.email)).body.mfa_token, code);
    expect(onB.status).toBe(400);
    expect(onB.body.error).toBe('invalid_grant');
    const stepUpOnB = await httpB.post('/auth/mfa/verify', { token: user.tokens.access_token, json: { otp: code } });
    expect(stepUpOnB.body.message).toBe('Invalid code');
  });

  it('a session raised on A passes the step-up check on B without waiting for a cache to expire', async () => {
    const user = await aal1UserWithMfa(a, httpA, 'two-raise@example.com');
    const token = user.tokens.access_token;
    expect((await httpB.post('/users/me/email', { token, json: {} })).status).toBe(401); // cached at aal1 on B
    expect((await httpA.post('/auth/mfa/verify', { token, json: { otp: totpCode(user.secret) } })).status).toBe(200);
    const start = Date.now();
    let status = 0;
    while (Date.now() - start < 1000) {
      status = (await httpB.post('/users/me/email', { token, json: {} })).status;
      if (status === 400) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(status).toBe(400);
  });
});

describe('MFA_REQUIRED_FOR_ADMIN', () => {
  let t: TestApp;
  let http: Client;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ MFA_REQUIRED_FOR_ADMIN: 'true', LOGIN_MAX_FAILURES: '50' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('puts the admin routes under step-up for an admin with MFA on, and leaves admins without MFA alone', async () => {
    const register = async (address: string) => {
      const res = await http.post('/auth/register', { json: { email: address, password: PASSWORD } });
      await t.dataSource.query(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [res.body.id]);
      return res.body.id as string;
    };
    const plainAdmin = await register('plain-admin@example.com');
    const plain = (await passwordGrant(http, 'plain-admin@example.com')).body.access_token as string;
    expect((await http.get('/users', { token: plain })).status).toBe(200);
    expect(plainAdmin).toBeDefined();

    const mfaAdmin = await register('mfa-admin@example.com');
    const aal1 = (await passwordGrant(http, 'mfa-admin@example.com')).body.access_token as string;
    const { secret } = await giveMfa(t, mfaAdmin);
    const refused = await http.get('/users', { token: aal1 });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(CHALLENGE);
    expect((await http.get('/users/me', { token: aal1 })).status).toBe(200);
    expect((await http.post('/auth/mfa/verify', { token: aal1, json: { otp: totpCode(secret) } })).status).toBe(200);
    expect((await http.get('/users', { token: aal1 })).status).toBe(200);
  });
});

describe('MFA_REQUIRED_FOR_ADMIN unset', () => {
  let t: TestApp;
  let http: Client;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('leaves the admin routes at aal1 for an admin with MFA on', async () => {
    const res = await http.post('/auth/register', { json: { email: 'admin-aal1@example.com', password: PASSWORD } });
    await t.dataSource.query(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [res.body.id]);
    const token = (await passwordGrant(http, 'admin-aal1@example.com')).body.access_token as string;
    await giveMfa(t, res.body.id as string);
    expect((await http.get('/users', { token })).status).toBe(200);
  });
});
