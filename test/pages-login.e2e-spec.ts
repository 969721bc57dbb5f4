import { AuditService } from '../src/audit/audit.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { giveMfa } from './support/mfa-login.js';
import { alertOf, PAGE_ORIGIN, PageBrowser } from './support/pages.js';

const REGISTERED = 'https://app.example.com/callback';

describe('hosted pages: /login', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;

  /** A verified user (the app requires verification). */
  async function user(prefix = 'user'): Promise<{ id: string; email: string }> {
    const email = `${prefix}${++n}@example.com`;
    const res = await http.post('/auth/register', { json: { email, password: PASSWORD } });
    expect(res.status).toBe(201);
    await t.dataSource.query('UPDATE users SET email_verified_at = now() WHERE id = $1', [res.body.id]);
    return { id: res.body.id as string, email };
  }

  async function signIn(browser: PageBrowser, username: string, extra: Record<string, string> = {}) {
    expect((await browser.get('/login')).status).toBe(200);
    return browser.post('/login', { username, password: PASSWORD, ...extra });
  }

  const sessionsOf = async (userId: string): Promise<number> =>
    Number((await t.dataSource.query('SELECT count(*) AS n FROM sessions WHERE user_id = $1', [userId]))[0].n);

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({
      AUTH_REQUIRE_EMAIL_VERIFICATION: 'true',
      LOGIN_MAX_FAILURES: '3',
      UI_TITLE: 'Acme ID',
      UI_PRIMARY_COLOR: '#0F766E',
    });
    http = client(t.url);
    await t.dataSource.query(
      `INSERT INTO oauth_clients (name, type, redirect_uris) VALUES ('Acme app', 'public', ARRAY[$1])`,
      [REGISTERED],
    );
  });
  afterAll(() => t.close());

  it('GET / redirects to /login', async () => {
    const res = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login');
  });

  it('serves the sign-in form with the page headers, branding, labels and a CSRF token', async () => {
    const browser = new PageBrowser(t.url);
    const res = await browser.get('/login');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text).toContain('<html lang="en"');
    expect(res.text).toContain('<title>Sign in · Acme ID</title>');
    expect(res.text).toMatch(/<label for="username">Email or username<\/label>\s*<input id="username" name="username"/);
    expect(res.text).toMatch(
      /<label for="password">Password<\/label>\s*<input id="password" name="password" type="password"/,
    );
    expect(res.text).toContain('href="/register"');
    expect(res.text).toContain('href="/forgot-password"');
    // No inline script or style anywhere: every script is a file of /assets.
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc="\/assets\/)/);
    expect(res.text).not.toMatch(/\sstyle="|<style/);
    expect(res.text).toContain('<script src="/assets/passkey-button.js" defer></script>');
    expect(browser.csrf).toMatch(/^[\w-]{43}$/);
    const csrfCookie = res.headers.getSetCookie().find((c) => c.startsWith('warden_csrf='))!;
    expect(csrfCookie).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  });

  it('serves the assets: Pico, our stylesheet, the theme of UI_PRIMARY_COLOR, the passkey scripts', async () => {
    const theme = await fetch(`${t.url}/assets/theme.css`);
    expect(theme.status).toBe(200);
    expect(theme.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await theme.text()).toContain('--pico-primary: #0f766e;');
    for (const [name, type] of [
      ['pico.classless.min.css', 'text/css'],
      ['warden.css', 'text/css'],
      ['simplewebauthn-browser.js', 'text/javascript'],
      ['passkey-button.js', 'text/javascript'],
    ]) {
      const res = await fetch(`${t.url}/assets/${name}`);
      expect([name, res.status, res.headers.get('content-type')]).toEqual([name, 200, `${type}; charset=utf-8`]);
      expect((await res.text()).length).toBeGreaterThan(500);
    }
    expect((await fetch(`${t.url}/assets/../package.json`)).status).toBe(404);
    expect((await fetch(`${t.url}/assets/app.module.js`)).status).toBe(404);
  });

  it('signs in: the cookies of a cookie login, 303 to /account, a session row and the audit event', async () => {
    const { id, email } = await user();
    const browser = new PageBrowser(t.url);
    const res = await signIn(browser, email);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const raw = res.headers.getSetCookie();
    expect(raw.find((c) => c.startsWith('access_token='))).toMatch(
      /; Max-Age=900; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    expect(raw.find((c) => c.startsWith('refresh_token='))).toMatch(
      /; Path=\/auth; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(raw.find((c) => c.startsWith('warden_session='))).toMatch(
      /^warden_session=v1\.[0-9a-f-]{36}\.[0-9a-f-]{36}\.[\w-]{43}; Max-Age=259\d{4}; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    const me = await http.get('/users/me', { headers: { cookie: `access_token=${browser.cookie('access_token')}` } });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(email);
    const [session] = await t.dataSource.query('SELECT id, acr, amr FROM sessions WHERE user_id = $1', [id]);
    expect(session).toEqual({ id: expect.any(String), acr: 'aal1', amr: ['pwd'] });
    expect(browser.cookie('warden_session')).toContain(session.id);
    await t.app.get(AuditService).flush();
    const events = await t.dataSource.query(
      `SELECT type, details FROM auth_events WHERE user_id = $1 AND type = 'login_success'`,
      [id],
    );
    expect(events).toEqual([{ type: 'login_success', details: expect.objectContaining({ via: 'cookie' }) }]);
  });

  it('honours return_to for own paths and registered redirect URIs only', async () => {
    const { email } = await user();
    const authorize = '/oauth/authorize?client_id=x&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&state=s';
    for (const [returnTo, expected] of [
      [authorize, authorize],
      ['/account#sessions', '/account#sessions'],
      [REGISTERED, REGISTERED],
      ['//evil.example', '/account'],
      ['https://evil.example', '/account'],
      ['/\\evil.example', '/account'],
      ['javascript:alert(1)', '/account'],
      ['%2F%2Fevil.example', '/account'],
      ['/%2F%2Fevil.example', '/account'],
      ['/%5Cevil.example', '/account'],
      ['https://app.example.com/callback.evil.example', '/account'],
      [`${REGISTERED}?next=//evil.example`, '/account'],
    ]) {
      const res = await signIn(new PageBrowser(t.url), email, { return_to: returnTo });
      expect([returnTo, res.status, res.headers.get('location')]).toEqual([returnTo, 303, expected]);
    }
  });

  it('keeps only a safe return_to in the form it renders', async () => {
    const browser = new PageBrowser(t.url);
    const unsafe = await browser.get(`/login?return_to=${encodeURIComponent('//evil.example')}`);
    expect(unsafe.text).toContain('name="return_to" value=""');
    const safe = await browser.get(`/login?return_to=${encodeURIComponent('/oauth/authorize?a=1&b="<x>')}`);
    expect(safe.text).toContain('name="return_to" value="/oauth/authorize?a=1&amp;b=%22%3Cx%3E"');
  });

  it('a signed-in browser goes straight to return_to, also after the access cookie is gone; prompt=login shows the form', async () => {
    const { email } = await user();
    const browser = new PageBrowser(t.url);
    expect((await signIn(browser, email)).status).toBe(303);
    let res = await browser.get('/login?return_to=%2Foauth%2Fauthorize%3Fx%3D1');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/oauth/authorize?x=1');
    // The 15-minute access cookie expired; the browser session cookie still says who is signed in.
    browser.cookies.splice(
      browser.cookies.findIndex((c) => c.name === 'access_token'),
      1,
    );
    res = await browser.get('/login');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account');
    res = await browser.get('/login?prompt=login&login_hint=someone%40example.com');
    expect(res.status).toBe(200);
    expect(res.text).toContain('value="someone@example.com"');
  });

  it('a revoked, tampered or foreign browser session cookie is not a session', async () => {
    const { email } = await user();
    const browser = new PageBrowser(t.url);
    expect((await signIn(browser, email)).status).toBe(303);
    const cookie = browser.cookie('warden_session')!;
    const only = (value: string) => ({ cookie: `warden_session=${value}` });
    expect((await fetch(`${t.url}/login`, { headers: only(cookie), redirect: 'manual' })).status).toBe(303);
    const [, sid, uid, mac] = cookie.split('.');
    // The MAC's first character: six whole bits of it (the last one may be only padding bits).
    const tampered = `v1.${sid}.${uid}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    expect((await fetch(`${t.url}/login`, { headers: only(tampered), redirect: 'manual' })).status).toBe(200);
    const other = await user();
    expect(
      (await fetch(`${t.url}/login`, { headers: only(`v1.${sid}.${other.id}.${mac}`), redirect: 'manual' })).status,
    ).toBe(200);
    expect(uid).not.toBe(other.id);
    // Signing out through the API revokes the session: the cookie no longer counts anywhere.
    const out = await http.post('/auth/logout', {
      headers: { cookie: `access_token=${browser.cookie('access_token')}`, origin: PAGE_ORIGIN },
    });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().some((c) => c.startsWith('warden_session=;'))).toBe(true);
    expect((await fetch(`${t.url}/login`, { headers: only(cookie), redirect: 'manual' })).status).toBe(200);
  });

  it('wrong password: 401 with the error on the page, no session, no JSON', async () => {
    const { id, email } = await user();
    const browser = new PageBrowser(t.url);
    await browser.get('/login');
    const res = await browser.post('/login', { username: email, password: 'not the password' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(alertOf(res.text)).toBe('Wrong email, username or password.');
    expect(res.text).toContain(`value="${email}"`);
    expect(res.text).not.toContain('not the password');
    expect(res.headers.getSetCookie().filter((c) => !c.startsWith('warden_csrf'))).toEqual([]);
    expect(await sessionsOf(id)).toBe(0);
  });

  it('missing fields: 400 on the page', async () => {
    const browser = new PageBrowser(t.url);
    await browser.get('/login');
    const res = await browser.post('/login', { username: '', password: '' });
    expect(res.status).toBe(400);
    expect(alertOf(res.text)).toBe('Enter your email or username and your password.');
  });

  it('an unverified account: 403 with a link to enter the code', async () => {
    const email = `unverified${++n}@example.com`;
    expect((await http.post('/auth/register', { json: { email, password: PASSWORD } })).status).toBe(201);
    const res = await signIn(new PageBrowser(t.url), email);
    expect(res.status).toBe(403);
    expect(alertOf(res.text)).toBe('Your email address is not verified yet.');
    expect(res.text).toContain(`href="/verify-email?email=${encodeURIComponent(email)}"`);
  });

  it('a disabled account: 403 on the page', async () => {
    const { id, email } = await user();
    await t.dataSource.query('UPDATE users SET disabled_at = now() WHERE id = $1', [id]);
    const res = await signIn(new PageBrowser(t.url), email);
    expect(res.status).toBe(403);
    expect(alertOf(res.text)).toBe('This account is disabled.');
  });

  it('the login back-off: 429 with Retry-After, said in words on the page, also for the right password', async () => {
    const { id, email } = await user();
    const browser = new PageBrowser(t.url);
    await browser.get('/login');
    for (let i = 0; i < 3; i++) {
      expect((await browser.post('/login', { username: email, password: 'wrong wrong' })).status).toBe(401);
    }
    const res = await browser.post('/login', { username: email, password: PASSWORD });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const seconds = Number(res.headers.get('retry-after'));
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(alertOf(res.text)).toMatch(/^Too many failed sign-in attempts\. Try again in (\d+ seconds?|1 minute)\.$/);
    expect(await sessionsOf(id)).toBe(0);
  });

  it('refuses a form without the CSRF token, with a wrong one, from another origin or with no origin: 403 page, nothing done', async () => {
    const { id, email } = await user();
    const browser = new PageBrowser(t.url);
    await browser.get('/login');
    const fields = { username: email, password: PASSWORD };
    const cases = [
      await browser.post('/login', fields, { csrf: null }),
      await browser.post('/login', fields, { csrf: 'A'.repeat(43) }),
      await browser.post('/login', fields, { origin: 'https://evil.example' }),
      await browser.post('/login', fields, { origin: null }),
      await new PageBrowser(t.url).post('/login', fields, { csrf: browser.csrf }),
    ];
    for (const res of cases) {
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(alertOf(res.text)).toMatch(/another site|origin not allowed|Origin or Referer/);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('access_token='))).toBe(false);
    }
    expect(await sessionsOf(id)).toBe(0);
  });

  it('a user with two-factor authentication on goes to /mfa with the pending step in cookies, no session yet', async () => {
    const { id, email } = await user();
    await giveMfa(t, id);
    const browser = new PageBrowser(t.url);
    const res = await signIn(browser, email, { return_to: '/oauth/authorize?client_id=x' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/mfa?return_to=%2Foauth%2Fauthorize%3Fclient_id%3Dx');
    const raw = res.headers.getSetCookie();
    expect(raw.find((c) => c.startsWith('mfa_token=') && c.includes('Path=/auth;'))).toMatch(
      /HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(raw.find((c) => c.startsWith('mfa_token=') && c.includes('Path=/mfa;'))).toMatch(
      /HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(browser.cookie('mfa_token', '/auth')).toBe(browser.cookie('mfa_token', '/mfa'));
    expect(raw.some((c) => c.startsWith('access_token='))).toBe(false);
    expect(await sessionsOf(id)).toBe(0);
  });

  it('a refused form shows no stack trace or exception name', async () => {
    const res = await new PageBrowser(t.url).post('/login', { username: 'x', password: 'y' }, { csrf: null });
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(res.text).not.toContain('ForbiddenException');
  });
});

describe('hosted pages: the per-IP limit on /login', () => {
  let t: TestApp;

  beforeAll(async () => {
    await resetDatabase();
    // The login back-off stays out of the way: this 429 must be the per-IP limit's.
    t = await startApp({ RATE_LIMIT_ENABLED: 'true', LOGIN_MAX_FAILURES: '1000' });
  });
  afterAll(() => t.close());

  it('the 31st form in a minute gets a 429 page with Retry-After in words, never JSON', async () => {
    const browser = new PageBrowser(t.url);
    await browser.get('/login');
    const form = (i: number) => ({ username: `nobody${i}@example.com`, password: 'x' });
    for (let i = 0; i < 30; i++) expect((await browser.post('/login', form(i))).status).toBe(401);
    const last = await browser.post('/login', form(30));
    expect(last.status).toBe(429);
    expect(last.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(last.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(alertOf(last.text)).toMatch(
      /^Too many attempts from your network\. Try again in \d+ (seconds?|minutes?)\.$/,
    );
  });
});
