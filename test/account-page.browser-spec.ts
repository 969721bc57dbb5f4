import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { seriousViolations } from './support/axe.js';
import { launchChromium } from './support/chromium.js';
import { client } from './support/http.js';
import { LocalhostOrigin } from './support/localhost-origin.js';
import { mailWithSubject, totpCode } from './support/mfa.js';
import { mailEnv, SmtpSink } from './support/smtp-sink.js';

const EMAIL = 'ada@example.com';

const SCREENSHOT = join(process.cwd(), 'docs/images/account.png');

describe('/account in Chromium', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let origin: LocalhostOrigin;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let userId: string;
  let otherSessionToken: string;
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];

  const one = async (sql: string, params: unknown[]) => (await t.dataSource.query(sql, params))[0];

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    origin = await LocalhostOrigin.start();
    t = await startApp({
      ...mailEnv(sink),
      APP_URL: origin.origin,
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: origin.origin,
      UI_TITLE: 'Acme ID',
    });
    origin.forwardTo(t.url);
    const http = client(t.url);
    const registered = await http.post('/auth/register', {
      json: { email: EMAIL, password: PASSWORD, display_name: 'Ada Lovelace', username: 'ada' },
    });
    expect(registered.status).toBe(201);
    userId = registered.body.id;
    // Another device of the same user, to sign out from the page.
    const other = await http.post('/auth/token', {
      form: { grant_type: 'password', username: EMAIL, password: PASSWORD },
      headers: {
        'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile Safari/604.1',
      },
    });
    otherSessionToken = other.body.access_token;

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }));
  }, 120000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await origin?.stop();
    await sink?.stop();
  });

  it('signs in on /login and lands on /account', async () => {
    await page.goto(`${origin.origin}/account`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Email or username').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${origin.origin}/account`);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Your account');
    await expect(page.locator('#profile input[name="display_name"]').inputValue()).resolves.toBe('Ada Lovelace');
  }, 60000);

  it('enrols TOTP: scans nothing, reads the secret from the page, confirms, sees the recovery codes once', async () => {
    await page.getByLabel('Name of the app or device').fill('Pixel 9');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const qr = page.getByRole('img', { name: /QR code/ });
    await qr.waitFor();
    expect(await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    const secret = (await page.locator('#totp-secret').innerText()).trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Code from the app').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByRole('list', { name: 'Recovery codes' }).locator('li');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await one('SELECT mfa_enabled FROM users WHERE id = $1', [userId])).toEqual({ mfa_enabled: true });
    await mailWithSubject(sink, EMAIL, 'Two-factor authentication is on for your Warden account');
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.waitForURL(`${origin.origin}/account`);
    await expect(page.getByRole('list', { name: 'Recovery codes' }).count()).resolves.toBe(0);
    await expect(page.locator('#two-factor').innerText()).resolves.toContain('Pixel 9');
  }, 60000);

  it('signs out the other device from the session list', async () => {
    const row = page.locator('#sessions tbody tr', { hasText: 'Safari on iOS' });
    await row.getByRole('button', { name: /Sign out/ }).click();
    await page.getByText('The session was signed out.').waitFor();
    await expect(page.locator('#sessions tbody tr', { hasText: 'Safari on iOS' }).count()).resolves.toBe(0);
    expect((await client(t.url).get('/users/me', { token: otherSessionToken })).status).toBe(401);
  }, 60000);

  it('adds a passkey with the virtual authenticator (external script, no CSP violation)', async () => {
    await page.getByLabel('Name for the new passkey').fill('MacBook Touch ID');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.locator('#passkeys li', { hasText: 'MacBook Touch ID' }).waitFor({ timeout: 20000 });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(await one('SELECT name, device_type FROM passkeys WHERE user_id = $1', [userId])).toEqual({
      name: 'MacBook Touch ID',
      device_type: 'singleDevice',
    });
  }, 60000);

  it('has no serious or critical axe-core violation (nor had the enrolment and recovery-code views), and writes the screenshot of the docs', async () => {
    await page.goto(`${origin.origin}/account`);
    expect(await seriousViolations(page)).toEqual([]);
    mkdirSync(join(process.cwd(), 'docs/images'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 60000);
});
