import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { alertOf, fieldValue, PageBrowser } from './support/pages.js';
import { codeIn, linesWithSecrets, mailEnv, sleep, SmtpSink, type ReceivedMail } from './support/smtp-sink.js';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';
const RESET_SUBJECT = 'Reset your Warden password';
const AUTHORIZE = '/oauth/authorize?client_id=abc&state=xyz';

function tokenIn(mail: ReceivedMail): string {
  const link = /http:\/\/localhost:3000\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!link) throw new Error(`no reset link in: ${mail.text}`);
  return link[1];
}

describe('hosted pages: /register, /verify-email, /forgot-password, /reset-password', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let http: Client;
  let n = 0;
  const secrets: string[] = [PASSWORD, NEW_PASSWORD];
  const nextEmail = () => `signup${++n}@example.com`;

  const userRow = async (email: string) =>
    (await t.dataSource.query('SELECT id, email_verified_at, username FROM users WHERE email = $1', [email]))[0] as
      { id: string; email_verified_at: Date | null; username: string | null } | undefined;

  async function register(browser: PageBrowser, email: string, extra: Record<string, string> = {}) {
    await browser.get('/register');
    return browser.post('/register', { email, password: PASSWORD, ...extra });
  }

  async function resetMail(email: string): Promise<string> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const mail = sink.to(email).find((m) => m.subject === RESET_SUBJECT);
      if (mail) {
        const token = tokenIn(mail);
        secrets.push(token);
        return token;
      }
      await sleep(20);
    }
    throw new Error(`no reset mail to ${email}`);
  }

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    t = await startApp(mailEnv(sink, { AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' }));
    http = client(t.url);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('GET /register: a labelled form with the CSRF token and the page headers', async () => {
    const browser = new PageBrowser(t.url);
    const res = await browser.get(`/register?return_to=${encodeURIComponent(AUTHORIZE)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    for (const id of ['email', 'username', 'display_name', 'password']) {
      expect(res.text).toMatch(new RegExp(`<label for="${id}">`));
      expect(res.text).toContain(`id="${id}" name="${id}"`);
    }
    expect(fieldValue(res.text, 'return_to')).toBe('/oauth/authorize?client_id=abc&amp;state=xyz');
    expect(browser.csrf).toMatch(/^[\w-]{43}$/);
  });

  it('signs up, verifies the mailed code, and arrives on /login with the notice, the address and return_to', async () => {
    const email = nextEmail();
    const browser = new PageBrowser(t.url);
    const res = await register(browser, email, { username: 'pagealice', display_name: 'Alice', return_to: AUTHORIZE });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      `/verify-email?email=${encodeURIComponent(email)}&return_to=${encodeURIComponent(AUTHORIZE)}`,
    );
    const row = await userRow(email);
    expect(row).toEqual({ id: expect.any(String), email_verified_at: null, username: 'pagealice' });
    const code = codeIn(await sink.waitFor(email));
    secrets.push(code);

    const page = await browser.get(res.headers.get('location')!);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<strong>${email}</strong>`);
    expect(fieldValue(page.text, 'return_to')).toBe('/oauth/authorize?client_id=abc&amp;state=xyz');
    const wrong = await browser.post('/verify-email', {
      email,
      code: code === '000000' ? '111111' : '000000',
      return_to: AUTHORIZE,
    });
    expect(wrong.status).toBe(400);
    expect(alertOf(wrong.text)).toBe('Invalid or expired code.');

    const verified = await browser.post('/verify-email', { email, code, return_to: AUTHORIZE });
    expect(verified.status).toBe(303);
    const next = verified.headers.get('location')!;
    expect(next).toBe(
      `/login?notice=verified&login_hint=${encodeURIComponent(email)}&return_to=${encodeURIComponent(AUTHORIZE)}`,
    );
    expect((await userRow(email))!.email_verified_at).not.toBeNull();
    const login = await browser.get(next);
    expect(alertOf(login.text)).toBe('Your email address is verified. Sign in to continue.');
    expect(fieldValue(login.text, 'username')).toBe(email);
    const signedIn = await browser.post('/login', { username: email, password: PASSWORD, return_to: AUTHORIZE });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe(AUTHORIZE);
    // The same code again: used up.
    const again = await browser.post('/verify-email', { email, code });
    expect(again.status).toBe(400);
  });

  it('register refusals on the page: bad email, short or common password, bad username (400), taken email (409); nothing created', async () => {
    const browser = new PageBrowser(t.url);
    const bad = await register(browser, 'not-an-email');
    expect(bad.status).toBe(400);
    expect(alertOf(bad.text)).toBe('Email must be a valid email address.');
    expect(fieldValue(bad.text, 'email')).toBe('not-an-email');
    expect(bad.text).not.toContain(PASSWORD);

    const email = nextEmail();
    const short = await browser.post('/register', { email, password: 'short' });
    expect(short.status).toBe(400);
    expect(alertOf(short.text)).toMatch(/at least 8 characters/);
    const common = await browser.post('/register', { email, password: 'password123' });
    expect(common.status).toBe(400);
    const username = await browser.post('/register', { email, password: PASSWORD, username: 'No Spaces!' });
    expect(username.status).toBe(400);
    expect(alertOf(username.text)).toBe('Username must be 3 to 32 characters of a-z, 0-9, _, . or -.');
    expect(await userRow(email)).toBeUndefined();

    const taken = nextEmail();
    expect((await register(browser, taken)).status).toBe(303);
    const twice = await browser.post('/register', { email: taken, password: PASSWORD });
    expect(twice.status).toBe(409);
    expect(alertOf(twice.text)).toBe('Email is already registered.');
    expect(twice.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('register without the CSRF token or from another origin: 403 page, no account', async () => {
    const email = nextEmail();
    const browser = new PageBrowser(t.url);
    await browser.get('/register');
    expect((await browser.post('/register', { email, password: PASSWORD }, { csrf: null })).status).toBe(403);
    const foreign = await browser.post('/register', { email, password: PASSWORD }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(alertOf(foreign.text)).toBe(
      'This form expired or was sent from another site. Reload the page and try again.',
    );
    expect(await userRow(email)).toBeUndefined();
  });

  it('verify-email: a missing code is a 400 on the page; resend answers the same for known and unknown addresses', async () => {
    const email = nextEmail();
    const browser = new PageBrowser(t.url);
    expect((await register(browser, email)).status).toBe(303);
    await browser.get(`/verify-email?email=${encodeURIComponent(email)}`);
    const missing = await browser.post('/verify-email', { email, code: '' });
    expect(missing.status).toBe(400);
    expect(alertOf(missing.text)).toBe('Enter the code from the email.');
    const known = await browser.post('/verify-email/resend', { email });
    const unknown = await browser.post('/verify-email/resend', { email: 'nobody-here@example.com' });
    expect(known.status).toBe(303);
    expect(unknown.status).toBe(303);
    expect(known.headers.get('location')).toBe(`/verify-email?email=${encodeURIComponent(email)}&sent=1`);
    const page = await browser.get(known.headers.get('location')!);
    expect(alertOf(page.text)).toBe('If that address has an unverified account, a new code is on its way.');
    expect((await browser.post('/verify-email/resend', { email }, { csrf: null })).status).toBe(403);
  });

  it('forgot + reset: the mailed link opens the page, GET consumes nothing, POST resets, the link works once', async () => {
    const email = nextEmail();
    const browser = new PageBrowser(t.url);
    expect((await register(browser, email)).status).toBe(303);
    const { id } = (await userRow(email))!;
    const session = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD },
    });
    // Unverified accounts cannot sign in: no session to end here, one is made directly below.
    expect(session.status).toBe(400);
    await t.dataSource.query('UPDATE users SET email_verified_at = now() WHERE id = $1', [id]);
    const live = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD },
    });
    expect(live.status).toBe(200);
    secrets.push(live.body.access_token, live.body.refresh_token);

    await browser.get('/forgot-password');
    const sent = await browser.post('/forgot-password', { email });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe('/forgot-password?sent=1');
    const unknown = await browser.post('/forgot-password', { email: 'nobody-at-all@example.com' });
    expect(unknown.status).toBe(303);
    expect(unknown.headers.get('location')).toBe('/forgot-password?sent=1');
    expect(alertOf((await browser.get('/forgot-password?sent=1')).text)).toMatch(/^If an account uses that address/);

    const token = await resetMail(email);
    const link = `/reset-password?token=${token}`;
    for (let i = 0; i < 2; i++) {
      const page = await browser.get(link);
      expect(page.status).toBe(200);
      expect(fieldValue(page.text, 'token')).toBe(token);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('same-origin');
    }
    const [row] = await t.dataSource.query('SELECT used_at FROM password_reset_tokens WHERE user_id = $1', [id]);
    expect(row.used_at).toBeNull();

    const mismatch = await browser.post('/reset-password', {
      token,
      new_password: NEW_PASSWORD,
      confirm_password: 'something else',
    });
    expect(mismatch.status).toBe(400);
    expect(alertOf(mismatch.text)).toBe('The two passwords do not match.');
    const short = await browser.post('/reset-password', { token, new_password: 'short', confirm_password: 'short' });
    expect(short.status).toBe(400);
    expect(fieldValue(short.text, 'token')).toBe(token);
    const forged = await browser.post(
      '/reset-password',
      { token, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(forged.status).toBe(403);

    const done = await browser.post('/reset-password', {
      token,
      new_password: NEW_PASSWORD,
      confirm_password: NEW_PASSWORD,
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/login?notice=reset');
    expect(alertOf((await browser.get('/login?notice=reset')).text)).toBe(
      'Your password was changed. Sign in with the new one.',
    );
    // Every session of the user ended; the new password works, the old one does not.
    expect((await http.get('/users/me', { token: live.body.access_token })).status).toBe(401);
    const fresh = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: NEW_PASSWORD },
    });
    expect(fresh.status).toBe(200);
    secrets.push(fresh.body.access_token, fresh.body.refresh_token);

    const reused = await browser.post('/reset-password', {
      token,
      new_password: 'yet another passphrase',
      confirm_password: 'yet another passphrase',
    });
    expect(reused.status).toBe(400);
    expect(alertOf(reused.text)).toBe('Invalid or expired reset token.');
  });

  it('reset-password without a usable token: 400 page with a link to ask again', async () => {
    const browser = new PageBrowser(t.url);
    for (const path of ['/reset-password', '/reset-password?token=', '/reset-password?token=%3Cscript%3E']) {
      const res = await browser.get(path);
      expect(res.status).toBe(400);
      expect(alertOf(res.text)).toBe('This reset link is incomplete. Ask for a new one.');
      expect(res.text).toContain('href="/forgot-password"');
      expect(res.text).not.toContain('<script>');
    }
    await browser.get(`/reset-password?token=${'A'.repeat(43)}`);
    const bogus = await browser.post('/reset-password', {
      token: 'A'.repeat(43),
      new_password: NEW_PASSWORD,
      confirm_password: NEW_PASSWORD,
    });
    expect(bogus.status).toBe(400);
    expect(alertOf(bogus.text)).toBe('Invalid or expired reset token.');
  });

  it('no code, token or password reaches the log', () => {
    expect(linesWithSecrets(t.logs, secrets)).toEqual([]);
  });
});
