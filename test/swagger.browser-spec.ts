import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { client } from './support/http.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { launchChromium } from './support/chromium.js';

const EMAIL = 'swagger@example.com';
const PASSWORD = 'swagger ui passphrase';

describe('Swagger UI at /docs', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    const res = await client(t.url).post('/auth/register', { json: { email: EMAIL, password: PASSWORD } });
    expect(res.status).toBe(201);
    browser = await launchChromium();
  }, 120000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('authorizes through the OAuth2 password dialog and gets 200 from GET /users/me by "Try it out"', async () => {
    const page = await browser.newPage();
    const tokenResponses: number[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/auth/token')) tokenResponses.push(r.status());
    });
    // The page runs under the /docs Content-Security-Policy: nothing it needs may be refused.
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(`${t.url}/docs`);
    await page.getByRole('button', { name: 'Authorize' }).first().click();

    const oauth = page.locator('.auth-container').filter({ hasText: 'password' }).first();
    await oauth.locator('input#oauth_username').fill(EMAIL);
    await oauth.locator('input#oauth_password').fill(PASSWORD);
    await oauth.locator('button.modal-btn.authorize').click();
    await oauth.locator('button.modal-btn.auth', { hasText: 'Logout' }).waitFor();
    expect(tokenResponses).toEqual([200]);
    await page.locator('.modal-ux button.btn-done').first().click();

    const operation = page.locator('#operations-users-UsersController_me');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const status = operation.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    expect((await status.innerText()).trim()).toBe('200');
    await expect(operation.locator('.live-responses-table').first().innerText()).resolves.toContain(EMAIL);
    await page.screenshot({ path: join(tmpdir(), 'warden-swagger.png'), fullPage: false });
    expect(cspViolations).toEqual([]);
  }, 120000);
});
