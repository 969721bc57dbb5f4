import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { seriousViolations } from './support/axe.js';
import { launchChromium } from './support/chromium.js';
import { client } from './support/http.js';
import { authorizePath, createClient, oidcEnv, pkce, type RegisteredClient } from './support/oauth.js';

// The browser talks to the server by the name it has (APP_URL): the pages' Origin checks and the
// issuer are those of a real deployment. Chromium resolves it to the test port.
const ORIGIN = 'http://localhost:3000';
const SCREENSHOT = new URL('../docs/images/consent.png', import.meta.url);

describe('the authorization code flow in Chromium (third-party client)', () => {
  let t: TestApp;
  let browser: Browser;
  let rp: RegisteredClient;
  // The relying party: a page on a loopback port that receives the redirect.
  let rpServer: Server;
  let RP = '';
  const email = 'browser-flow@example.com';

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ ...oidcEnv(), COOKIE_SECURE: 'false', UI_TITLE: 'Warden' });
    const port = new URL(t.url).port;
    expect((await client(t.url).post('/auth/register', { json: { email, password: PASSWORD } })).status).toBe(201);
    rpServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>RP</title><p>callback</p>');
    });
    await new Promise<void>((resolve) => rpServer.listen(0, '127.0.0.1', resolve));
    RP = `http://127.0.0.1:${(rpServer.address() as { port: number }).port}/callback`;
    rp = await createClient(t.app, { name: 'Photo Printer', redirectUris: [RP] });
    browser = await launchChromium([`--host-resolver-rules=MAP localhost:3000 127.0.0.1:${port}`]);
  }, 120000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    rpServer?.close();
  });

  it('signs in on /login, asks for consent, and returns to the client with a code, state and iss', async () => {
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const { challenge } = pkce();
    const start = `${ORIGIN}${authorizePath(rp.clientId, RP, challenge, { scope: 'openid profile email', state: 'browser-state' })}`;
    await page.goto(start);
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/consent');

    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Photo Printer');
    const scopes = await page.locator('ul.scopes li').allTextContents();
    expect(scopes).toEqual([
      'Sign you in to the application (OpenID Connect)',
      'Read and manage your own account',
      'See your email address and whether it is verified',
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    mkdirSync(new URL('.', SCREENSHOT), { recursive: true });
    await page.setViewportSize({ width: 900, height: 760 });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });

    // Keyboard only: Allow is reachable and works with Enter.
    await page.getByRole('button', { name: 'Allow' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.origin === new URL(RP).origin);
    const callback = new URL(page.url());
    expect(callback.pathname).toBe('/callback');
    expect(callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(callback.searchParams.get('state')).toBe('browser-state');
    expect(callback.searchParams.get('iss')).toBe(ORIGIN);

    // Allowed once: the next request for the same scopes goes straight back with a new code.
    await page.goto(start);
    await page.waitForURL((url) => url.origin === new URL(RP).origin);
    expect(new URL(page.url()).searchParams.get('code')).not.toBe(callback.searchParams.get('code'));
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120000);

  it('shows an unknown client as an accessible 400 page, without leaving Warden', async () => {
    const page = await (await browser.newContext()).newPage();
    const response = await page.goto(
      `${ORIGIN}${authorizePath('6f1c2b3a-0000-4000-8000-000000000000', RP, pkce().challenge)}`,
    );
    expect(response?.status()).toBe(400);
    expect(new URL(page.url()).origin).toBe(ORIGIN);
    expect(await page.getByRole('alert').textContent()).toContain('not registered');
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  }, 120000);

  it('signs out through /oauth/logout: an accessible confirmation, then an accessible signed-out page; the session ends', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${ORIGIN}/login`);
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/account');
    const hasBrowserSession = async () => (await context.cookies()).some((c) => c.name === 'warden_session');
    expect(await hasBrowserSession()).toBe(true);
    const live = async () =>
      Number(
        (
          await t.dataSource.query(
            `SELECT count(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id
              WHERE u.email = $1 AND s.revoked_at IS NULL`,
            [email],
          )
        )[0].n,
      );
    const before = await live();
    expect(before).toBeGreaterThan(0);

    // No id_token_hint: a signed-in browser confirms with a form (CSRF token inside).
    await page.goto(`${ORIGIN}/oauth/logout`);
    expect(await page.getByRole('heading', { level: 1 }).isVisible()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForLoadState();
    expect(await page.getByText('You have been signed out').isVisible()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await live()).toBe(before - 1);
    expect(await hasBrowserSession()).toBe(false);

    // Signed out for the pages too: /account sends the browser to /login.
    await page.goto(`${ORIGIN}/account`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  }, 120000);
});
