import type { Browser, Page } from 'playwright-core';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { launchChromium } from './support/chromium.js';
import { type Idp, providersEnv, startIdp } from './support/federation.js';
import { LocalhostOrigin } from './support/localhost-origin.js';

describe('sign in with another provider in Chromium', () => {
  let t: TestApp;
  let idp: Idp;
  let origin: LocalhostOrigin;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    await resetDatabase();
    idp = await startIdp();
    origin = await LocalhostOrigin.start();
    t = await startApp({ APP_URL: origin.origin, AUTH_PROVIDERS: providersEnv(idp) });
    origin.forwardTo(t.url);
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await origin?.stop();
    await idp?.stop();
  });

  it('/login → the provider button → the IdP → signed in on /account, which lists the linked provider', async () => {
    idp.tweak({ claims: { sub: 'browser-sub', email: 'browser@example.com', email_verified: true } });
    await page.goto(`${origin.origin}/login`);
    const button = page.getByRole('link', { name: 'Continue with Test IdP' });
    await button.click();
    await page.waitForURL(`${origin.origin}/account`);
    const providers = page.locator('#providers');
    await providers.getByRole('button', { name: 'Unlink Test IdP' }).waitFor();
    await providers.getByRole('button', { name: 'Link Untrusted IdP' }).waitFor();
    const text = await providers.innerText();
    expect(text).toContain('Test IdP');
    expect(text).toContain('browser@example.com');
    const [user] = await t.dataSource.query(`SELECT id, password_hash FROM users WHERE email = 'browser@example.com'`);
    expect(user.password_hash).toBeNull();
    const sessions = await t.dataSource.query(`SELECT amr FROM sessions WHERE user_id = $1`, [user.id]);
    expect(sessions).toEqual([{ amr: ['fed'] }]);
    expect(cspViolations).toEqual([]);
  }, 60000);

  it('links a second provider from /account, then refuses to unlink the last way to sign in', async () => {
    idp.tweak({ claims: { sub: 'browser-sub-2', email: 'browser@example.com', email_verified: false } });
    await page.getByRole('button', { name: 'Link Untrusted IdP' }).click();
    await page.waitForURL(`${origin.origin}/account`);
    await page.getByText('The provider was linked: you can sign in with it now.').waitFor();
    await page.getByRole('button', { name: 'Unlink Untrusted IdP' }).click();
    await page.getByText('The provider was unlinked.').waitFor();
    await page.getByRole('button', { name: 'Unlink Test IdP' }).click();
    const alert = page.locator('#providers').getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('the last way to sign in');
  }, 60000);
});
