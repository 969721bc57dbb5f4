import { type Browser } from 'playwright-core';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { launchChromium } from './support/chromium.js';

describe('ReDoc at /redoc', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    browser = await launchChromium();
  }, 120000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders the API title and its operations from /openapi.json, loading nothing from elsewhere, with no CSP violation', async () => {
    const page = await browser.newPage();
    // The page runs under the docs Content-Security-Policy: nothing it needs may be refused.
    const cspViolations: string[] = [];
    const errors: string[] = [];
    const foreign: string[] = [];
    await page.addInitScript({
      content:
        "document.addEventListener('securitypolicyviolation', (e) => " +
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(t.url) && !url.startsWith('blob:') && !url.startsWith('data:')) foreign.push(url);
    });
    const response = await page.goto(`${t.url}/redoc`);
    expect(response?.status()).toBe(200);
    await page.locator('h1', { hasText: 'Warden' }).first().waitFor({ timeout: 60000 });
    await page.locator('h2', { hasText: 'OAuth2 token endpoint (RFC 6749)' }).first().waitFor();
    // Let the search worker and lazy parts start, where a CSP refusal would show.
    await page.waitForTimeout(1000);
    expect(cspViolations).toEqual([]);
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  }, 120000);
});
