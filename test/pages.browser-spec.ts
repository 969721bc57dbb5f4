import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { seriousViolations } from './support/axe.js';
import { launchChromium } from './support/chromium.js';
import { totpCode } from './support/mfa.js';
import { giveMfa, wrongCode } from './support/mfa-login.js';
import { codeIn, mailEnv, SmtpSink } from './support/smtp-sink.js';

const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery staple';
const IMAGES = join(import.meta.dirname, '..', 'docs', 'images');
/** A page of the API that shows who the cookies belong to: where the sign-ins return to here. */
const RETURN_TO = '/users/me';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** axe-core on the page as it is now: no serious or critical violation. */
async function expectAccessible(page: Page): Promise<void> {
  const bad = await seriousViolations(page);
  expect([page.url(), bad]).toEqual([page.url(), []]);
}

/**
 * The hosted pages in Chromium, on APP_URL's own origin (http://localhost:<port>, so that the
 * Origin check, the Secure cookies of localhost and the passkey RP ID are the real ones): sign up,
 * the mailed code, sign in, a passkey sign-in through the /login button (DevTools virtual
 * authenticator), the two-step verification page; axe-core on every page; the screenshots of
 * docs/images.
 */
describe('hosted pages in Chromium', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    const port = await freePort();
    base = `http://localhost:${port}`;
    t = await startApp(mailEnv(sink, { APP_URL: base, AUTH_REQUIRE_EMAIL_VERIFICATION: 'true', UI_TITLE: 'Acme' }), {
      port,
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 860 }, deviceScaleFactor: 1 });
    page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  async function whoAmI(): Promise<{ email: string }> {
    expect(new URL(page.url()).pathname).toBe(RETURN_TO);
    return JSON.parse(await page.locator('body').innerText()) as { email: string };
  }

  /** POST /auth/logout from a page of ours (the API's JSON answers may run no script). */
  async function signOut(): Promise<void> {
    await page.goto(`${base}/forgot-password`);
    const status = await page.evaluate(async () => (await fetch('/auth/logout', { method: 'POST' })).status);
    expect(status).toBe(204);
  }

  it('signs up and verifies the email with the mailed code', async () => {
    await page.goto(`${base}/login?return_to=${encodeURIComponent(RETURN_TO)}`);
    await page.screenshot({ path: join(IMAGES, 'login.png') });
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/register\?return_to=/);
    await expectAccessible(page);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Your name').fill('Ada Lovelace');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/verify-email\?/);
    await expect(page.locator('hgroup strong').innerText()).resolves.toBe(EMAIL);
    await expectAccessible(page);

    const code = codeIn(await sink.waitFor(EMAIL));
    await page.getByLabel('Verification code').fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify email' }).click();
    await expect(page.locator('#form-error').innerText()).resolves.toBe('Invalid or expired code.');
    await expectAccessible(page);

    await page.getByLabel('Verification code').fill(code);
    // Keyboard only: Enter in the field sends the form.
    await page.getByLabel('Verification code').press('Enter');
    await page.waitForURL(/\/login\?notice=verified/);
    await expect(page.getByRole('status').innerText()).resolves.toBe(
      'Your email address is verified. Sign in to continue.',
    );
    await expect(page.getByLabel('Email or username').inputValue()).resolves.toBe(EMAIL);
  }, 120_000);

  it('signs in with the password, keyboard only, and lands on return_to signed in', async () => {
    await page.getByLabel('Password').focus();
    await page.keyboard.type('wrong password');
    await page.keyboard.press('Enter');
    await page.waitForLoadState();
    await expect(page.locator('#form-error').innerText()).resolves.toBe('Wrong email, username or password.');
    await expectAccessible(page);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}${RETURN_TO}`);
    expect((await whoAmI()).email).toBe(EMAIL);
    const cookies = await context.cookies(base);
    expect(cookies.map((c) => c.name).sort()).toEqual(['access_token', 'warden_csrf', 'warden_session']);
    // Signed in: /login goes straight on.
    await page.goto(`${base}/login?return_to=${encodeURIComponent(RETURN_TO)}`);
    expect((await whoAmI()).email).toBe(EMAIL);
  }, 60_000);

  it('signs in with a passkey through the /login button (virtual authenticator)', async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });
    // Register a passkey for the signed-in user from a page that loads the WebAuthn browser library.
    await page.goto(`${base}/login?prompt=login`);
    const registered = await page.evaluate(async () => {
      const post = (path: string, body: unknown) =>
        fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const options = (await (await post('/auth/passkeys/registration/options', {})).json()) as {
        challenge_id: string;
        options: unknown;
      };
      const webauthn = (
        globalThis as unknown as { SimpleWebAuthnBrowser: { startRegistration(o: unknown): Promise<unknown> } }
      ).SimpleWebAuthnBrowser;
      const credential = await webauthn.startRegistration({ optionsJSON: options.options });
      return (
        await post('/auth/passkeys/registration', { challenge_id: options.challenge_id, credential, name: 'Laptop' })
      ).status;
    });
    expect(registered).toBe(201);
    await signOut();

    await page.goto(`${base}/login?return_to=${encodeURIComponent(RETURN_TO)}`);
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    await button.waitFor();
    await expectAccessible(page);
    await button.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}${RETURN_TO}`);
    expect((await whoAmI()).email).toBe(EMAIL);
    const [session] = await t.dataSource.query(
      `SELECT acr, amr FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1 AND s.revoked_at IS NULL`,
      [EMAIL],
    );
    expect(session).toEqual({ acr: 'aal2', amr: ['hwk', 'user'] });
    await signOut();
  }, 60_000);

  it('with two-factor authentication on, the password leads to /mfa and a TOTP code finishes the sign-in', async () => {
    const [{ id }] = await t.dataSource.query('SELECT id FROM users WHERE email = $1', [EMAIL]);
    const { secret } = await giveMfa(t, id);
    await page.goto(`${base}/login?return_to=${encodeURIComponent(RETURN_TO)}`);
    await page.getByLabel('Email or username').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/mfa\?/);
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    await page.screenshot({ path: join(IMAGES, 'mfa.png') });
    await expectAccessible(page);

    await page
      .getByLabel('Authentication code')
      .fill(wrongCode([totpCode(secret, -1), totpCode(secret), totpCode(secret, 1)]));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.waitForLoadState();
    await expect(page.locator('#form-error').innerText()).resolves.toBe(
      'That code is not right, or it was already used. Try again.',
    );
    await expectAccessible(page);
    // The recovery-code form opens from the keyboard too.
    await page.locator('summary').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByLabel('Recovery code').isVisible()).resolves.toBe(true);

    await page.getByLabel('Authentication code').fill(totpCode(secret));
    await page.getByLabel('Authentication code').press('Enter');
    await page.waitForURL(`${base}${RETURN_TO}`);
    expect((await whoAmI()).email).toBe(EMAIL);
    const sessions = await t.dataSource.query(
      'SELECT acr, amr FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
      [id],
    );
    expect(sessions).toEqual([{ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] }]);
  }, 60_000);

  it('the passkey button of /mfa finishes the second step too', async () => {
    await signOut();
    await page.goto(`${base}/login?return_to=${encodeURIComponent(RETURN_TO)}`);
    await page.getByLabel('Email or username').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(/\/mfa\?/);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${base}${RETURN_TO}`);
    expect((await whoAmI()).email).toBe(EMAIL);
    const sessions = await t.dataSource.query(
      `SELECT s.acr, s.amr FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1 AND s.revoked_at IS NULL`,
      [EMAIL],
    );
    expect(sessions).toEqual([{ acr: 'aal2', amr: ['pwd', 'hwk', 'user', 'mfa'] }]);
  }, 60_000);

  it('the other pages pass axe-core too: forgot password, reset password, an error page', async () => {
    await signOut();
    for (const path of [
      '/forgot-password',
      '/reset-password?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      '/reset-password',
      '/mfa',
    ]) {
      await page.goto(`${base}${path}`);
      await expectAccessible(page);
    }
    await page.goto(`${base}/forgot-password`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.waitForURL(/sent=1/);
    await expectAccessible(page);
    expect(cspViolations).toEqual([]);
  }, 60_000);
});
