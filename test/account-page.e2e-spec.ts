import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { mailWithSubject } from './support/mfa.js';
import { accountPost, locationOf, signInOnPage, textOf } from './support/account-page.js';
import { PageBrowser } from './support/pages.js';
import { clearRedisLimits } from './support/redis.js';
import { codeIn, linesWithSecrets, mailEnv, SmtpSink } from './support/smtp-sink.js';

const LOGIN = '/login?return_to=%2Faccount';

describe('/account over HTTP: profile, email, password, sessions, CSRF', () => {
  let t: TestApp;
  let http: Client;
  let sink: SmtpSink;
  let n = 0;
  const secrets: string[] = [];

  /** A registered user signed in on a PageBrowser (a cookie login), plus a bearer token of a second session. */
  async function signedIn(prefix = 'acct') {
    const email = `${prefix}${++n}@example.com`;
    const { user, tokens } = await registerAndLogin(http, email);
    const browser = new PageBrowser(t.url);
    await signInOnPage(browser, email, PASSWORD);
    return { email, user: user as { id: string }, browser, token: tokens.access_token };
  }

  const one = async (sql: string, params: unknown[]) => (await t.dataSource.query(sql, params))[0];

  beforeAll(async () => {
    await resetDatabase();
    await clearRedisLimits();
    sink = await SmtpSink.start();
    t = await startApp(mailEnv(sink, { LOGIN_MAX_FAILURES: '3' }));
    http = client(t.url);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('sends a browser without a session to the sign-in page, and back to /account after it', async () => {
    const res = await new PageBrowser(t.url).get('/account');
    expect(res.status).toBe(303);
    expect(locationOf(res)).toBe(LOGIN);
  });

  it('shows the signed-in user their account as an HTML page with the page headers', async () => {
    const { email, browser } = await signedIn();
    const res = await browser.get('/account');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(res.text).toContain('<html lang="en"');
    const text = textOf(res.text);
    expect(text).toContain(email);
    expect(text).toContain('this device');
    expect(text).toContain('Signed in');
    expect(text).toContain('No other sign-in provider is linked to this account.');
    // Every form carries the CSRF token; no inline script.
    const forms = res.text.match(/<form /g) ?? [];
    const tokens = res.text.match(/name="_csrf"/g) ?? [];
    expect(forms.length).toBeGreaterThan(5);
    expect(tokens.length).toBe(forms.length);
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  describe('profile', () => {
    it('saves the display name and username, then says so once after the redirect', async () => {
      const { user, browser } = await signedIn();
      const res = await accountPost(browser, '/account/profile', {
        display_name: '  Ada Lovelace ',
        username: 'Ada.L',
      });
      expect(res.status).toBe(303);
      expect(locationOf(res)).toBe('/account');
      expect(await one('SELECT display_name, username FROM users WHERE id = $1', [user.id])).toEqual({
        display_name: 'Ada Lovelace',
        username: 'ada.l',
      });
      const page = await browser.get('/account');
      expect(textOf(page.text)).toContain('Your profile was saved.');
      expect(page.text).toContain('value="ada.l"');
      expect(textOf((await browser.get('/account')).text)).not.toContain('Your profile was saved.');
    });

    it('removes the username and display name when the fields are emptied', async () => {
      const { user, browser } = await signedIn();
      await accountPost(browser, '/account/profile', { display_name: 'X', username: `clear${n}` });
      const res = await accountPost(browser, '/account/profile', { display_name: '', username: '' });
      expect(res.status).toBe(303);
      expect(await one('SELECT display_name, username FROM users WHERE id = $1', [user.id])).toEqual({
        display_name: null,
        username: null,
      });
    });

    it('refuses a bad username with 400 on the page, the input kept, nothing saved', async () => {
      const { user, browser } = await signedIn();
      const res = await accountPost(browser, '/account/profile', { display_name: 'Kept', username: 'a b' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(textOf(res.text)).toContain('username must be 3 to 32 characters of a-z, 0-9, _, . or -');
      expect(res.text).toContain('value="a b"');
      expect(await one('SELECT display_name, username FROM users WHERE id = $1', [user.id])).toEqual({
        display_name: null,
        username: null,
      });
    });

    it('refuses a username another account has with 409, and a field the API does not know with 400', async () => {
      const first = await signedIn();
      await accountPost(first.browser, '/account/profile', { display_name: '', username: `taken${n}` });
      const second = await signedIn();
      const taken = await accountPost(second.browser, '/account/profile', {
        display_name: '',
        username: `taken${n - 1}`,
      });
      expect(taken.status).toBe(409);
      expect(textOf(taken.text)).toContain('Username is already taken');
      const unknown = await accountPost(second.browser, '/account/profile', { display_name: 'x', roles: 'admin' });
      expect(unknown.status).toBe(400);
      expect(textOf(unknown.text)).toContain('property roles should not exist');
      expect(await one('SELECT roles, display_name FROM users WHERE id = $1', [second.user.id])).toEqual({
        roles: ['user'],
        display_name: null,
      });
    });
  });

  describe('CSRF and Origin', () => {
    it('refuses a form without the token, with a wrong one, from another origin or without Origin: 403, nothing saved', async () => {
      const { user, browser } = await signedIn();
      await browser.get('/account');
      const csrf = browser.csrf;
      const cases = [
        browser.post('/account/profile', { display_name: 'no token' }, { csrf: null }),
        browser.post('/account/profile', { display_name: 'wrong' }, { csrf: `${csrf.slice(0, -2)}xx` }),
        browser.post('/account/profile', { display_name: 'evil' }, { origin: 'https://evil.example' }),
        browser.post('/account/profile', { display_name: 'none' }, { origin: null }),
        browser.post('/account/sessions/revoke-others', {}, { origin: 'https://evil.example' }),
      ];
      for (const res of await Promise.all(cases)) {
        expect(res.status).toBe(403);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(textOf(res.text)).toContain('This form expired or was sent from another site');
      }
      expect(await one('SELECT display_name FROM users WHERE id = $1', [user.id])).toEqual({ display_name: null });
    });

    it('refuses a token made for another browser', async () => {
      const victim = await signedIn();
      const attacker = new PageBrowser(t.url);
      await signInOnPage(attacker, victim.email, PASSWORD);
      await attacker.get('/account');
      await victim.browser.get('/account');
      const res = await victim.browser.post('/account/profile', { display_name: 'forged' }, { csrf: attacker.csrf });
      // Each browser has its own CSRF cookie, so another browser's token does not match it.
      expect(victim.browser.cookie('warden_csrf')).not.toBe(attacker.cookie('warden_csrf'));
      expect(res.status).toBe(403);
    });

    it('answers a forged form without any session with a 403 page, never JSON', async () => {
      const res = await new PageBrowser(t.url).post(
        '/account/password',
        { current_password: 'x', new_password: 'y' },
        { origin: 'https://evil.example', csrf: null },
      );
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    });
  });

  describe('password', () => {
    it('changes it after the current password, ends the other sessions, keeps this one, mails a notice', async () => {
      const { email, browser, token } = await signedIn();
      const res = await accountPost(browser, '/account/password', {
        username: email,
        current_password: PASSWORD,
        new_password: 'a brand new passphrase',
      });
      expect(res.status).toBe(303);
      expect(locationOf(res)).toBe('/account');
      expect((await http.get('/users/me', { token })).status).toBe(401);
      const page = await browser.get('/account');
      expect(page.status).toBe(200);
      expect(textOf(page.text)).toContain('Your password was changed.');
      await mailWithSubject(sink, email, 'Your Warden password was changed');
      const login = await http.post('/auth/token', {
        form: { grant_type: 'password', username: email, password: 'a brand new passphrase' },
      });
      expect(login.status).toBe(200);
    });

    it('refuses a wrong current password (403) and a weak new one (400), shown on the page, nothing changed', async () => {
      const { email, user, browser } = await signedIn();
      const before = await one('SELECT password_hash FROM users WHERE id = $1', [user.id]);
      const wrong = await accountPost(browser, '/account/password', {
        username: email,
        current_password: 'not my password',
        new_password: 'a brand new passphrase',
      });
      expect(wrong.status).toBe(403);
      expect(textOf(wrong.text)).toContain('Current password is incorrect');
      expect(wrong.text).not.toContain('not my password');
      const weak = await accountPost(browser, '/account/password', {
        username: email,
        current_password: PASSWORD,
        new_password: 'password',
      });
      expect(weak.status).toBe(400);
      expect(await one('SELECT password_hash FROM users WHERE id = $1', [user.id])).toEqual(before);
    });

    it('counts wrong current passwords in the login back-off: 429 with Retry-After, even for the right one', async () => {
      const { email, user, browser } = await signedIn();
      const before = await one('SELECT password_hash FROM users WHERE id = $1', [user.id]);
      for (let i = 0; i < 3; i++) {
        const res = await accountPost(browser, '/account/password', {
          username: email,
          current_password: `wrong ${i}`,
          new_password: 'a brand new passphrase',
        });
        expect(res.status).toBe(403);
      }
      const locked = await accountPost(browser, '/account/password', {
        username: email,
        current_password: PASSWORD,
        new_password: 'a brand new passphrase',
      });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(textOf(locked.text)).toMatch(/Too many attempts. Try again in \d+ (second|minute)s?\./);
      expect(await one('SELECT password_hash FROM users WHERE id = $1', [user.id])).toEqual(before);
    });
  });

  describe('email change', () => {
    it('mails a code to the new address, shows the pending change, and switches on the right code', async () => {
      const { email, user, browser } = await signedIn();
      const target = `new-${email}`;
      const asked = await accountPost(browser, '/account/email', { new_email: target, password: PASSWORD });
      expect(asked.status).toBe(303);
      const mail = await mailWithSubject(sink, target, 'Confirm your new Warden email address');
      const code = codeIn(mail);
      secrets.push(code);
      const page = await browser.get('/account');
      expect(textOf(page.text)).toContain(`We sent a code to ${target}`);
      expect(page.text).not.toContain(code);

      const wrongCode = code === '000000' ? '111111' : '000000';
      const wrong = await accountPost(browser, '/account/email/confirm', { code: wrongCode });
      expect(wrong.status).toBe(400);
      expect(textOf(wrong.text)).toContain('Invalid or expired code');
      expect(await one('SELECT email FROM users WHERE id = $1', [user.id])).toEqual({ email });

      const done = await accountPost(browser, '/account/email/confirm', { code });
      expect(done.status).toBe(303);
      expect(await one('SELECT email FROM users WHERE id = $1', [user.id])).toEqual({ email: target });
      await mailWithSubject(sink, email, 'Your Warden email address was changed');
      expect(textOf((await browser.get('/account')).text)).toContain('Your email address was changed.');
    });

    it('refuses a wrong password (403), a taken address (409) and a malformed one (400); no code is mailed', async () => {
      const other = await signedIn();
      const { email, browser } = await signedIn();
      const wrong = await accountPost(browser, '/account/email', { new_email: `x-${email}`, password: 'nope nope' });
      expect(wrong.status).toBe(403);
      expect(textOf(wrong.text)).toContain('Password is incorrect');
      expect(wrong.text).toContain(`value="x-${email}"`);
      const taken = await accountPost(browser, '/account/email', { new_email: other.email, password: PASSWORD });
      expect(taken.status).toBe(409);
      const malformed = await accountPost(browser, '/account/email', {
        new_email: 'not-an-address',
        password: PASSWORD,
      });
      expect(malformed.status).toBe(400);
      expect(textOf(malformed.text)).toContain('new_email must be a valid email address');
      expect(sink.to(`x-${email}`)).toHaveLength(0);
    });

    it('does not let another account use a code mailed for the same address; the code stays good', async () => {
      const a = await signedIn();
      const b = await signedIn();
      const target = `shared${n}@example.com`;
      expect((await accountPost(a.browser, '/account/email', { new_email: target, password: PASSWORD })).status).toBe(
        303,
      );
      const aCode = codeIn(await mailWithSubject(sink, target, 'Confirm your new Warden email address'));
      secrets.push(aCode);
      // The address's cooldown holds: b's request mails nothing, b has no change pending.
      expect((await accountPost(b.browser, '/account/email', { new_email: target, password: PASSWORD })).status).toBe(
        303,
      );
      const refused = await accountPost(b.browser, '/account/email/confirm', { code: aCode });
      expect(refused.status).toBe(400);
      expect(await one('SELECT email FROM users WHERE id = $1', [b.user.id])).toEqual({ email: b.email });
      expect((await accountPost(a.browser, '/account/email/confirm', { code: aCode })).status).toBe(303);
      expect(await one('SELECT email FROM users WHERE id = $1', [a.user.id])).toEqual({ email: target });
    });
  });

  describe('sessions', () => {
    it('lists the other sessions and signs one out: its token stops working, audited', async () => {
      const { user, browser, token } = await signedIn();
      const other = await one('SELECT id FROM sessions WHERE user_id = $1 ORDER BY created_at ASC LIMIT 1', [user.id]);
      const page = await browser.get('/account');
      expect(page.text).toContain(`/account/sessions/${other.id}/revoke`);
      const res = await accountPost(browser, `/account/sessions/${other.id}/revoke`);
      expect(res.status).toBe(303);
      expect((await http.get('/users/me', { token })).status).toBe(401);
      expect((await one('SELECT revoked_reason FROM sessions WHERE id = $1', [other.id])).revoked_reason).toBe(
        'signed_out',
      );
      expect(textOf((await browser.get('/account')).text)).toContain('The session was signed out.');
      const deadline = Date.now() + 5000;
      while (!(await one("SELECT id FROM auth_events WHERE user_id = $1 AND type = 'session_revoked'", [user.id]))) {
        if (Date.now() > deadline) throw new Error('no session_revoked event');
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    it('signs out everywhere else and keeps this browser signed in', async () => {
      const { email, user, browser, token } = await signedIn();
      const second = await http.post('/auth/token', {
        form: { grant_type: 'password', username: email, password: PASSWORD },
      });
      const res = await accountPost(browser, '/account/sessions/revoke-others');
      expect(res.status).toBe(303);
      expect((await http.get('/users/me', { token })).status).toBe(401);
      expect((await http.get('/users/me', { token: second.body.access_token })).status).toBe(401);
      expect((await browser.get('/account')).status).toBe(200);
      expect(
        await one('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL', [user.id]),
      ).toEqual({ n: 1 });
    });

    it("answers 400 for a malformed id, 404 for another user's session, 400 for this one; nothing revoked", async () => {
      const stranger = await signedIn();
      const strangerSession = await one('SELECT id FROM sessions WHERE user_id = $1 LIMIT 1', [stranger.user.id]);
      const { user, browser } = await signedIn();
      const malformed = await accountPost(browser, '/account/sessions/not-a-uuid/revoke');
      expect(malformed.status).toBe(400);
      expect(textOf(malformed.text)).toContain('Session id must be a UUID');
      const foreign = await accountPost(browser, `/account/sessions/${strangerSession.id}/revoke`);
      expect(foreign.status).toBe(404);
      const current = await one('SELECT id FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1', [
        user.id,
      ]);
      const own = await accountPost(browser, `/account/sessions/${current.id}/revoke`);
      expect(own.status).toBe(400);
      expect(
        await one('SELECT count(*)::int AS n FROM sessions WHERE revoked_at IS NOT NULL AND user_id IN ($1, $2)', [
          user.id,
          stranger.user.id,
        ]),
      ).toEqual({ n: 0 });
    });

    it('signs this browser out from the page: session revoked, cookies cleared, back to sign-in', async () => {
      const { user, browser } = await signedIn();
      const res = await accountPost(browser, '/account/sign-out');
      expect(res.status).toBe(303);
      expect(locationOf(res)).toBe('/login');
      expect(browser.cookie('access_token')).toBeUndefined();
      expect(browser.cookie('warden_session')).toBeUndefined();
      expect(browser.cookie('refresh_token', '/auth')).toBeUndefined();
      expect((await browser.get('/account')).status).toBe(303);
      expect(
        await one("SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_reason = 'logout'", [
          user.id,
        ]),
      ).toEqual({ n: 1 });
    });
  });

  it('shows the security activity in words, newest first', async () => {
    const { browser } = await signedIn();
    await accountPost(browser, '/account/profile', { display_name: 'Activity', username: '' });
    await accountPost(browser, '/account/sessions/revoke-others');
    await new Promise((r) => setTimeout(r, 300));
    const text = textOf((await browser.get('/account')).text);
    const activity = text.slice(text.indexOf('Security activity'));
    expect(activity).toMatch(/Signed out all other sessions.*Signed in/);
  });

  it('never writes a code or password of these flows to the log', () => {
    expect(linesWithSecrets(t.logs, [...secrets, PASSWORD, 'a brand new passphrase'])).toEqual([]);
  });
});
