import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { resetDatabase, startApp, type TestApp } from '../../../test/support/app.js';
import { client } from '../../../test/support/http.js';
import { freePort } from '../../../test/support/process.js';
import { startSpaServer, type SpaServer } from '../src/server.js';
import { launchChromium } from '../../../test/support/chromium.js';

const PASSWORD = 'correct horse battery staple';

describe('examples/spa in Chromium, in cookie mode against a real Warden', () => {
  let warden: TestApp;
  let spa: SpaServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** What the page asked Warden, as "METHOD /path STATUS". */
  let wardenCalls: string[];
  /** Requests to anything but the page's server and Warden, page errors and CSP reports. */
  let problems: string[];
  let n = 0;

  const newAccount = async () => {
    const email = `spa${++n}@example.com`;
    const res = await client(warden.url).post('/auth/register', { json: { email, password: PASSWORD } });
    if (res.status !== 201) throw new Error(`register failed: ${res.status}`);
    return email;
  };
  const sessionsOf = (email: string) =>
    warden.dataSource.query<{ revoked_reason: string | null }[]>(
      'SELECT s.revoked_reason FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1',
      [email],
    );
  const state = (expected: string) => page.locator(`body[data-state="${expected}"]`).waitFor({ timeout: 20000 });
  // Every path: the refresh cookie is on /auth only.
  const cookieNames = async () =>
    (await context.cookies([warden.url, `${warden.url}/auth/refresh`])).map((c) => c.name).sort();

  beforeAll(async () => {
    await resetDatabase();
    // Page and Warden on one site (127.0.0.1), two origins: what SameSite cookies and CORS allow.
    const spaPort = await freePort();
    warden = await startApp({ CORS_ORIGINS: `http://127.0.0.1:${spaPort}`, COOKIE_SECURE: 'false' });
    spa = await startSpaServer({ wardenUrl: warden.url, port: spaPort });
    browser = await launchChromium();
  }, 120000);

  afterAll(async () => {
    await browser?.close();
    await spa?.close();
    await warden?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
    wardenCalls = [];
    problems = [];
    await page.addInitScript({
      content:
        "document.addEventListener('securitypolicyviolation', (e) => " +
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(spa.url) && !request.url().startsWith(warden.url)) problems.push(request.url());
    });
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (response.url().startsWith(warden.url) && response.request().method() !== 'OPTIONS') {
        wardenCalls.push(`${response.request().method()} ${url.pathname} ${response.status()}`);
      }
    });
  });
  afterEach(() => context.close());

  it('signs in, shows the user, stays signed in across reloads (refreshing when the access cookie is gone), signs out', async () => {
    const email = await newAccount();
    await page.goto(spa.url);
    await state('signed-out');
    expect(wardenCalls).toEqual(['GET /users/me 401', 'POST /auth/refresh 401']);

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await state('signed-in');
    await expect(page.locator('#user-email').textContent()).resolves.toBe(email);
    await expect(page.locator('#user-roles').textContent()).resolves.toBe('user');
    expect(await cookieNames()).toEqual(['access_token', 'refresh_token', 'warden_session']);
    // HttpOnly: the tokens never reach the page's JavaScript.
    expect(await page.evaluate('document.cookie')).toBe('');

    wardenCalls = [];
    await page.reload();
    await state('signed-in');
    await expect(page.locator('#user-email').textContent()).resolves.toBe(email);
    expect(wardenCalls).toEqual(['GET /users/me 200']);

    // As when the access cookie expires: the refresh cookie (Path=/auth) gets a new one.
    await context.clearCookies({ name: 'access_token' });
    wardenCalls = [];
    await page.reload();
    await state('signed-in');
    await expect(page.locator('#user-email').textContent()).resolves.toBe(email);
    expect(wardenCalls).toEqual(['GET /users/me 401', 'POST /auth/refresh 200', 'GET /users/me 200']);
    expect(await cookieNames()).toEqual(['access_token', 'refresh_token', 'warden_session']);

    wardenCalls = [];
    await page.getByRole('button', { name: 'Sign out' }).click();
    await state('signed-out');
    expect(wardenCalls).toEqual(['POST /auth/logout 204']);
    expect(await cookieNames()).toEqual([]);
    expect(await sessionsOf(email)).toEqual([{ revoked_reason: 'logout' }]);

    await page.reload();
    await state('signed-out');
    expect(problems).toEqual([]);
  }, 120000);

  it('shows "Wrong email or password" for a wrong password and sets no cookie', async () => {
    const email = await newAccount();
    await page.goto(spa.url);
    await state('signed-out');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password' }).waitFor({ timeout: 20000 });
    expect(await cookieNames()).toEqual([]);
    expect(await sessionsOf(email)).toEqual([]);
    expect(problems).toEqual([]);
  }, 120000);
});
