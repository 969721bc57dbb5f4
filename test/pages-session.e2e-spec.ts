import { TEST_REDIS_URL } from './support/redis.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client } from './support/http.js';
import { PAGE_ORIGIN, PageBrowser } from './support/pages.js';
import { UserAdminService } from '../src/users/user-admin.service.js';

const transports: Array<[string, Record<string, string>]> = [
  ['database notifications', {}],
  ...(TEST_REDIS_URL ? [['Redis pub/sub', { REDIS_URL: TEST_REDIS_URL }] as [string, Record<string, string>]] : []),
];

/** How long until GET /login on `app` no longer treats the cookie as signed in. */
async function msUntilSignedOut(base: string, cookie: string): Promise<{ ms: number; status: number }> {
  const start = performance.now();
  let status = 0;
  while (performance.now() - start < 3000) {
    status = (await fetch(`${base}/login`, { headers: { cookie: `warden_session=${cookie}` }, redirect: 'manual' }))
      .status;
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { ms: Math.round(performance.now() - start), status };
}

describe.each(transports)('the browser session across two instances (%s)', (name, env) => {
  let a: TestApp;
  let b: TestApp;
  let n = 0;

  async function signedIn(): Promise<{ browser: PageBrowser; userId: string }> {
    const email = `twice${++n}@example.com`;
    const res = await client(a.url).post('/auth/register', { json: { email, password: PASSWORD } });
    expect(res.status).toBe(201);
    const browser = new PageBrowser(a.url);
    await browser.get('/login');
    expect((await browser.post('/login', { username: email, password: PASSWORD })).status).toBe(303);
    return { browser, userId: res.body.id as string };
  }

  beforeAll(async () => {
    await resetDatabase();
    a = await startApp(env);
    b = await startApp(env);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('a page sign-in on A counts on B; signing out on B ends it on A within 1 s', async () => {
    const { browser } = await signedIn();
    const cookie = browser.cookie('warden_session')!;
    const onB = await fetch(`${b.url}/login?return_to=%2Foauth%2Fauthorize`, {
      headers: { cookie: `warden_session=${cookie}` },
      redirect: 'manual',
    });
    expect([onB.status, onB.headers.get('location')]).toEqual([303, '/oauth/authorize']);
    // Warm A's session cache, so that only the revocation broadcast can make it forget.
    expect(
      (await fetch(`${a.url}/login`, { headers: { cookie: `warden_session=${cookie}` }, redirect: 'manual' })).status,
    ).toBe(303);
    const out = await client(b.url).post('/auth/logout', {
      headers: { cookie: `access_token=${browser.cookie('access_token')}`, origin: PAGE_ORIGIN },
    });
    expect(out.status).toBe(204);
    const { ms, status } = await msUntilSignedOut(a.url, cookie);
    console.log(`[pages] sign-out on B → the browser session refused on A after ${ms} ms (${name})`);
    expect(status).toBe(200);
    expect(ms).toBeLessThan(1000);
  });

  it('an account disabled on A is no browser session on B, within 1 s', async () => {
    const { browser, userId } = await signedIn();
    const cookie = browser.cookie('warden_session')!;
    expect(
      (await fetch(`${b.url}/login`, { headers: { cookie: `warden_session=${cookie}` }, redirect: 'manual' })).status,
    ).toBe(303);
    // As the admin route and the CLI do it: the account disabled, its sessions revoked and broadcast.
    await a.app.get(UserAdminService).update(userId, { disabled: true });
    const { ms, status } = await msUntilSignedOut(b.url, cookie);
    expect(status).toBe(200);
    expect(ms).toBeLessThan(1000);
  });
});
