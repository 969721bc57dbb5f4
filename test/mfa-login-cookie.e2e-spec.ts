import { decodeJwt } from 'jose';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { cookieHeader, setCookies } from './support/cookies.js';
import { client, type Client } from './support/http.js';
import { totpCode } from './support/mfa.js';
import { ORIGIN, otpGrant, registerWithMfa, wrongCode } from './support/mfa-login.js';

describe('cookie login of a user with MFA on', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;
  const email = () => `mfa-cookie${++n}@example.com`;
  const browserLogin = (address: string) =>
    http.post('/auth/login', { json: { email: address, password: PASSWORD }, headers: { origin: ORIGIN } });
  const secondStep = (mfaToken: string, body: Record<string, string>, origin: string | null = ORIGIN) =>
    http.post('/auth/login/mfa', {
      json: body,
      headers: { cookie: cookieHeader({ mfa_token: mfaToken }), ...(origin ? { origin } : {}) },
    });
  const sessionsOf = async (userId: string) =>
    (await t.dataSource.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [userId]))[0].n as number;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ LOGIN_MAX_FAILURES: '50', COOKIE_SECURE: 'true' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('answers the right password with 202, the mfa_token cookie and no session cookies', async () => {
    const user = await registerWithMfa(t, http, email());
    const res = await browserLogin(user.email);
    expect(res.status).toBe(202);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ mfa_required: true, mfa_methods: ['totp', 'recovery_code'] });
    const cookies = setCookies(res);
    expect(Object.keys(cookies)).toEqual(['mfa_token']);
    expect(cookies.mfa_token.value).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(cookies.mfa_token.attributes).toEqual({
      'max-age': '300',
      path: '/auth',
      httponly: true,
      secure: true,
      samesite: 'Strict',
    });
    expect(await sessionsOf(user.userId)).toBe(0);
  });

  it('signs in with the cookie and a TOTP code: user, session cookies at aal2, mfa_token cleared', async () => {
    const user = await registerWithMfa(t, http, email());
    const mfaToken = setCookies(await browserLogin(user.email)).mfa_token.value;
    const res = await secondStep(mfaToken, { otp: totpCode(user.secret) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      user: expect.objectContaining({ id: user.userId, mfa_enabled: true }),
      expires_in: 900,
    });
    const cookies = setCookies(res);
    expect(cookies.mfa_token.value).toBe('');
    expect(cookies.mfa_token.attributes.path).toBe('/auth');
    expect(decodeJwt(cookies.access_token.value)).toMatchObject({ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    expect(cookies.refresh_token.value).not.toBe('');
    const me = await http.get('/users/me', {
      headers: { cookie: cookieHeader({ access_token: cookies.access_token.value }) },
    });
    expect(me.status).toBe(200);
    // Used: the same cookie does not sign in twice.
    const again = await secondStep(mfaToken, { recovery_code: user.recoveryCodes[0] });
    expect(again.status).toBe(401);
    expect(await sessionsOf(user.userId)).toBe(1);
  });

  it('signs in with a recovery code: amr ["pwd","mfa"]', async () => {
    const user = await registerWithMfa(t, http, email());
    const mfaToken = setCookies(await browserLogin(user.email)).mfa_token.value;
    const res = await secondStep(mfaToken, { recovery_code: user.recoveryCodes[3] });
    expect(res.status).toBe(200);
    expect(decodeJwt(setCookies(res).access_token.value)).toMatchObject({ acr: 'aal2', amr: ['pwd', 'mfa'] });
  });

  it('answers a wrong code with 401 in the usual error shape and keeps the mfa_token for another try', async () => {
    const user = await registerWithMfa(t, http, email());
    const mfaToken = setCookies(await browserLogin(user.email)).mfa_token.value;
    const wrong = await secondStep(mfaToken, { otp: wrongCode([-1, 0, 1].map((o) => totpCode(user.secret, o))) });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'The code is wrong or was already used',
      request_id: expect.any(String),
    });
    expect(setCookies(wrong).access_token).toBeUndefined();
    expect((await secondStep(mfaToken, { otp: totpCode(user.secret) })).status).toBe(200);
  });

  it('applies the Origin check: a foreign or missing Origin is refused with 403 and the code is not spent', async () => {
    const user = await registerWithMfa(t, http, email());
    const mfaToken = setCookies(await browserLogin(user.email)).mfa_token.value;
    const code = totpCode(user.secret);
    expect((await secondStep(mfaToken, { otp: code }, 'https://evil.example')).status).toBe(403);
    expect((await secondStep(mfaToken, { otp: code }, null)).status).toBe(403);
    expect((await secondStep(mfaToken, { otp: code })).status).toBe(200);
  });

  it('keeps the flows apart: a cookie mfa_token is refused by the token endpoint', async () => {
    const user = await registerWithMfa(t, http, email());
    const mfaToken = setCookies(await browserLogin(user.email)).mfa_token.value;
    const res = await otpGrant(http, mfaToken, totpCode(user.secret));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('answers 401 without the cookie and 400 for neither or both codes', async () => {
    const none = await http.post('/auth/login/mfa', { json: { otp: '123456' }, headers: { origin: ORIGIN } });
    expect(none.status).toBe(401);
    const user = await registerWithMfa(t, http, email());
    const mfaToken = setCookies(await browserLogin(user.email)).mfa_token.value;
    expect((await secondStep(mfaToken, {})).status).toBe(400);
    const both = await secondStep(mfaToken, { otp: '123456', recovery_code: user.recoveryCodes[0] });
    expect(both.status).toBe(400);
    expect(both.body.message).toEqual(['send exactly one of otp and recovery_code']);
  });

  it('still answers a user without MFA with 200 and the session cookies', async () => {
    const address = email();
    await http.post('/auth/register', { json: { email: address, password: PASSWORD } });
    const res = await browserLogin(address);
    expect(res.status).toBe(200);
    expect(Object.keys(setCookies(res)).sort()).toEqual(['access_token', 'refresh_token', 'warden_session']);
  });
});
