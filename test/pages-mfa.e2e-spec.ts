import { AuditService } from '../src/audit/audit.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { totpCode } from './support/mfa.js';
import { registerWithMfa, wrongCode } from './support/mfa-login.js';
import { alertOf, PageBrowser } from './support/pages.js';
import { linesWithSecrets } from './support/smtp-sink.js';

const AUTHORIZE = '/oauth/authorize?client_id=abc';

describe('hosted pages: /mfa, the second step of a sign-in', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;
  const secrets: string[] = [PASSWORD];

  async function mfaUser() {
    const user = await registerWithMfa(t, http, `mfa${++n}@example.com`);
    secrets.push(user.secret, ...user.recoveryCodes);
    return user;
  }

  /** Password step on /login: the browser then holds the pending second step. */
  async function pending(email: string, returnTo?: string): Promise<{ browser: PageBrowser; location: string }> {
    const browser = new PageBrowser(t.url);
    await browser.get('/login');
    const res = await browser.post('/login', {
      username: email,
      password: PASSWORD,
      ...(returnTo ? { return_to: returnTo } : {}),
    });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location.startsWith('/mfa')).toBe(true);
    secrets.push(browser.cookie('mfa_token', '/mfa')!);
    const page = await browser.get(location);
    expect(page.status).toBe(200);
    return { browser, location };
  }

  const sessions = async (userId: string) =>
    t.dataSource.query<{ acr: string; amr: string[] }[]>('SELECT acr, amr FROM sessions WHERE user_id = $1', [userId]);

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ LOGIN_MAX_FAILURES: '3' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('GET /mfa: the code form, the recovery-code form, labelled, with the page headers', async () => {
    const { email } = await mfaUser();
    const { browser, location } = await pending(email, AUTHORIZE);
    expect(location).toBe(`/mfa?return_to=${encodeURIComponent(AUTHORIZE)}`);
    const page = await browser.get(location);
    expect(page.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.text).toMatch(/<label for="otp">Authentication code<\/label>\s*<input id="otp" name="otp"/);
    expect(page.text).toMatch(
      /<label for="recovery_code">Recovery code<\/label>\s*<input id="recovery_code" name="recovery_code"/,
    );
    expect(page.text).toContain('autocomplete="one-time-code"');
    // No passkey of the user: no passkey button or script.
    expect(page.text).not.toContain('passkey-button.js');
  });

  it('a right TOTP code: an aal2 session in the cookies, the pending step cleared, 303 to return_to', async () => {
    const { userId, email, secret } = await mfaUser();
    const { browser } = await pending(email, AUTHORIZE);
    const res = await browser.post('/mfa', { otp: totpCode(secret), return_to: AUTHORIZE });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(AUTHORIZE);
    const raw = res.headers.getSetCookie();
    expect(raw.some((c) => c.startsWith('mfa_token=;') && c.includes('Path=/mfa'))).toBe(true);
    expect(raw.some((c) => c.startsWith('mfa_token=;') && c.includes('Path=/auth'))).toBe(true);
    expect(browser.cookie('warden_session')).toBeDefined();
    expect(await sessions(userId)).toEqual([{ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] }]);
    const me = await http.get('/users/me', { headers: { cookie: `access_token=${browser.cookie('access_token')}` } });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(email);
    // Signed in now: /login and /mfa send the browser on.
    const login = await browser.get('/login');
    expect([login.status, login.headers.get('location')]).toEqual([303, '/account']);
    const again = await browser.get('/mfa');
    expect([again.status, again.headers.get('location')]).toEqual([303, '/account']);
  });

  it('a recovery code works once', async () => {
    const { userId, email, recoveryCodes } = await mfaUser();
    const first = await pending(email);
    const res = await first.browser.post('/mfa', { recovery_code: recoveryCodes[0] });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account');
    expect((await sessions(userId)).map((s) => s.amr)).toEqual([['pwd', 'mfa']]);
    const second = await pending(email);
    const reused = await second.browser.post('/mfa', { recovery_code: recoveryCodes[0] });
    expect(reused.status).toBe(401);
    expect(alertOf(reused.text)).toBe('That code is not right, or it was already used. Try again.');
    expect(reused.text).toContain('<details class="alternative" open>');
  });

  it('a wrong code: 401 on the page, no session, audited as mfa_failed; the form still works after', async () => {
    const { userId, email, secret } = await mfaUser();
    const { browser } = await pending(email);
    const wrong = await browser.post('/mfa', {
      otp: wrongCode([totpCode(secret, -1), totpCode(secret), totpCode(secret, 1)]),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(alertOf(wrong.text)).toBe('That code is not right, or it was already used. Try again.');
    expect(await sessions(userId)).toEqual([]);
    await t.app.get(AuditService).flush();
    const [failed] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM auth_events WHERE user_id = $1 AND type = 'mfa_failed'`,
      [userId],
    );
    expect(failed.n).toBe(1);
    // The mfa_token took one attempt; the next right code still completes the sign-in.
    const ok = await browser.post('/mfa', { otp: totpCode(secret) });
    expect(ok.status).toBe(303);
  });

  it('no code, both codes, or an over-long code: 400 on the page', async () => {
    const { email } = await mfaUser();
    const { browser } = await pending(email);
    expect((await browser.post('/mfa', {})).status).toBe(400);
    expect((await browser.post('/mfa', { otp: '123456', recovery_code: 'abcde-fghij' })).status).toBe(400);
    const long = await browser.post('/mfa', { otp: '1'.repeat(65) });
    expect(long.status).toBe(400);
    expect(alertOf(long.text)).toBe('Enter the code from your authenticator app or a recovery code.');
  });

  it('without a pending step: GET /mfa goes to /login, a POST says the sign-in expired (401)', async () => {
    const browser = new PageBrowser(t.url);
    const res = await browser.get(`/mfa?return_to=${encodeURIComponent(AUTHORIZE)}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/login?return_to=${encodeURIComponent(AUTHORIZE)}`);
    await browser.get('/login');
    const post = await browser.post('/mfa', { otp: '123456' });
    expect(post.status).toBe(401);
    expect(alertOf(post.text)).toBe('This sign-in has expired or was already completed. Sign in again.');
  });

  it('a used pending step cannot be replayed (the token is single use in the database)', async () => {
    const { email, secret } = await mfaUser();
    const { browser } = await pending(email);
    const token = browser.cookie('mfa_token', '/mfa')!;
    expect((await browser.post('/mfa', { otp: totpCode(secret) })).status).toBe(303);
    const replay = new PageBrowser(t.url);
    await replay.get('/login');
    replay.cookies.push({ name: 'mfa_token', value: token, path: '/mfa' });
    const res = await replay.post('/mfa', { otp: totpCode(secret, 1) });
    expect(res.status).toBe(401);
    expect(alertOf(res.text)).toBe('This sign-in has expired or was already completed. Sign in again.');
  });

  it('the back-off of wrong codes: 429 with Retry-After in words', async () => {
    const { email, secret } = await mfaUser();
    const valid = [totpCode(secret, -1), totpCode(secret), totpCode(secret, 1)];
    for (let i = 0; i < 3; i++) {
      const { browser } = await pending(email);
      expect((await browser.post('/mfa', { otp: wrongCode(valid) })).status).toBe(401);
    }
    const browser = new PageBrowser(t.url);
    await browser.get('/login');
    const locked = await browser.post('/login', { username: email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(alertOf(locked.text)).toMatch(/^Too many failed sign-in attempts\. Try again in /);
  });

  it('refuses the form without the CSRF token or from another origin', async () => {
    const { userId, email, secret } = await mfaUser();
    const { browser } = await pending(email);
    expect((await browser.post('/mfa', { otp: totpCode(secret) }, { csrf: null })).status).toBe(403);
    expect((await browser.post('/mfa', { otp: totpCode(secret) }, { origin: 'https://evil.example' })).status).toBe(
      403,
    );
    expect(await sessions(userId)).toEqual([]);
  });

  it('a user with a passkey gets the passkey button and its script', async () => {
    const { userId, email } = await mfaUser();
    await t.dataSource.query(
      `INSERT INTO passkeys (user_id, credential_id, public_key, device_type, name) VALUES ($1, $2, $3, 'multiDevice', 'Laptop')`,
      [userId, Buffer.from(`cred-${userId}`).toString('base64url'), Buffer.from('key')],
    );
    const { browser, location } = await pending(email);
    expect(location).toBe('/mfa?passkey=1');
    const page = await browser.get(location);
    expect(page.text).toContain('<script src="/assets/passkey-button.js" defer></script>');
    expect(page.text).toContain('id="passkey-button"');
  });

  it('no code or token reaches the log', () => {
    expect(linesWithSecrets(t.logs, secrets)).toEqual([]);
  });
});
