import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { PASSWORD } from './support/accounts.js';
import { cookieHeader, setCookies } from './support/cookies.js';
import { client, type Client } from './support/http.js';
import { totpCode } from './support/mfa.js';
import { ORIGIN, otpGrant, passwordGrant, registerWithMfa, wrongCode } from './support/mfa-login.js';

interface LogLine {
  level: number;
  msg: string;
  request_id?: string;
  method?: string;
  route?: string;
  status?: number;
  ms?: number;
  user_id?: string;
}

describe('access log', () => {
  let t: TestApp;
  let http: Client;
  const email = 'logged@example.com';
  const password = 'a very secret passphrase';

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ LOG_LEVEL: 'info' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  const lines = () => t.logs.map((l) => JSON.parse(l) as LogLine);
  const accessLineOf = (requestId: string) => lines().find((l) => l.msg === 'request' && l.request_id === requestId);

  it('writes one JSON line per request with request id, route, status, latency and user id, and no secret', async () => {
    const registered = await http.post('/auth/register', { json: { email, password } });
    const wrong = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: 'not the password at all' },
      headers: { 'x-request-id': 'wrong-login-1' },
    });
    expect(wrong.status).toBe(400);
    const login = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password },
      headers: { authorization: 'Basic Og==', cookie: 'refresh_token=cookie-secret-value', 'x-request-id': 'login-1' },
    });
    expect(login.status).toBe(200);
    const { access_token, refresh_token } = login.body as { access_token: string; refresh_token: string };
    const me = await http.get('/users/me', {
      token: access_token,
      headers: { cookie: `access_token=${access_token}` },
    });
    expect(me.status).toBe(200);

    expect(accessLineOf('login-1')).toEqual({
      level: 30,
      time: expect.any(String),
      msg: 'request',
      request_id: 'login-1',
      method: 'POST',
      route: '/auth/token',
      status: 200,
      ms: expect.any(Number),
      user_id: registered.body.id,
    });
    expect(accessLineOf('wrong-login-1')).toMatchObject({ route: '/auth/token', status: 400 });
    expect(accessLineOf(me.headers.get('x-request-id')!)).toMatchObject({
      method: 'GET',
      route: '/users/me',
      status: 200,
      user_id: registered.body.id,
    });

    const everything = t.logs.join('\n');
    for (const secret of [
      password,
      'not the password at all',
      access_token,
      refresh_token,
      'Og==',
      'cookie-secret-value',
    ]) {
      expect(everything).not.toContain(secret);
    }
    for (const line of t.logs) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('writes no second-factor code, TOTP secret or mfa_token, on any MFA sign-in path', async () => {
    const user = await registerWithMfa(t, http, 'logged-mfa@example.com');
    const first = await passwordGrant(http, user.email);
    const mfaToken = first.body.mfa_token as string;
    const wrong = wrongCode([-1, 0, 1].map((offset) => totpCode(user.secret, offset)));
    expect((await otpGrant(http, mfaToken, wrong)).status).toBe(400);
    const otp = totpCode(user.secret);
    const signedIn = await otpGrant(http, mfaToken, otp);
    expect(signedIn.status).toBe(200);
    const browser = await http.post('/auth/login', {
      json: { email: user.email, password: PASSWORD },
      headers: { origin: ORIGIN },
    });
    const cookieToken = setCookies(browser).mfa_token.value;
    const recovery = user.recoveryCodes[0];
    const second = await http.post('/auth/login/mfa', {
      json: { recovery_code: recovery },
      headers: { origin: ORIGIN, cookie: cookieHeader({ mfa_token: cookieToken }) },
    });
    expect(second.status).toBe(200);
    const stepUpCode = totpCode(user.secret, 1);
    const stepUp = await http.post('/auth/mfa/verify', {
      token: signedIn.body.access_token,
      json: { otp: stepUpCode },
    });
    expect(stepUp.status).toBe(200);

    const everything = t.logs.join('\n');
    const audit = JSON.stringify(await t.dataSource.query('SELECT * FROM auth_events'));
    for (const secret of [
      mfaToken,
      cookieToken,
      wrong,
      otp,
      stepUpCode,
      user.secret,
      recovery,
      recovery.replace('-', ''),
    ]) {
      expect(everything).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
  });

  it('labels unknown paths as unmatched instead of echoing the URL', async () => {
    const res = await http.get('/no/such/path?token=abc123', { headers: { 'x-request-id': 'unmatched-1' } });
    expect(res.status).toBe(404);
    expect(accessLineOf('unmatched-1')).toMatchObject({ route: 'unmatched', status: 404 });
    expect(t.logs.join('\n')).not.toContain('abc123');
  });
});

describe('LOG_LEVEL', () => {
  it('warn drops the access log and keeps warnings', async () => {
    const t = await startApp({ LOG_LEVEL: 'warn' });
    try {
      const res = await client(t.url).get('/health/live');
      expect(res.status).toBe(200);
      const messages = t.logs.map((l) => JSON.parse(l) as LogLine);
      expect(messages.filter((l) => l.msg === 'request')).toEqual([]);
      expect(messages.every((l) => l.level >= 40)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
