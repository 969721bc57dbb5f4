import { decodeJwt } from 'jose';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { Browser, type Idp, providersEnv, startIdp, throughProvider } from './support/federation.js';
import { client } from './support/http.js';
import { authorizePath, createClient, oidcEnv, pkce, type RegisteredClient } from './support/oauth.js';

const REDIRECT = 'https://app.example.com/callback';

/** An /oauth/authorize under way goes on after the sign-in at another provider. */
describe('a pending /oauth/authorize and another provider', () => {
  let t: TestApp;
  let idp: Idp;
  let app: RegisteredClient;

  beforeAll(async () => {
    await resetDatabase();
    idp = await startIdp();
    t = await startApp({ ...oidcEnv(), AUTH_PROVIDERS: providersEnv(idp) });
    app = await createClient(t.app, { name: 'Own App', redirectUris: [REDIRECT], firstParty: true });
  }, 60000);

  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  /** /oauth/authorize → /login → the page's provider button (its href): the start URL. */
  async function toProviderButton(browser: Browser, challenge: string, state: string) {
    const authorize = await browser.request(`${t.url}${authorizePath(app.clientId, REDIRECT, challenge, { state })}`);
    expect(authorize.status).toBe(302);
    const login = await browser.request(authorize.location!);
    expect(login.status).toBe(200);
    const href = /href="(\/auth\/providers\/idp\/start\?return_to=[^"]+)"/.exec(login.text)![1].replace(/&amp;/g, '&');
    const returnTo = new URL(href, t.url).searchParams.get('return_to')!;
    expect(returnTo.startsWith('/oauth/authorize?')).toBe(true);
    return { href, returnTo };
  }

  it('signs in at the provider, then the authorization goes on to the client with a code (amr fed in its tokens)', async () => {
    idp.tweak({ claims: { sub: 'rp-sub', email: 'rp@example.com', email_verified: true } });
    const browser = new Browser(t.url);
    const { verifier, challenge } = pkce();
    const { href, returnTo } = await toProviderButton(browser, challenge, 'st-123');
    const start = await browser.request(`${t.url}${href}`);
    const callback = await browser.request(await throughProvider(browser, start.location!, t.url));
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(returnTo);
    const resumed = await browser.request(`${t.url}${callback.location}`);
    expect(resumed.status).toBe(302);
    const back = new URL(resumed.location!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('st-123');
    const token = await client(t.url).post('/auth/token', {
      form: {
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
        client_id: app.clientId,
      },
    });
    expect(token.status).toBe(200);
    expect(decodeJwt(token.body.access_token).amr).toEqual(['fed']);
    expect(decodeJwt(token.body.id_token).amr).toEqual(['fed']);
  });

  it('a refusal at the provider ends on /login with the message and the pending authorization kept', async () => {
    idp.denyNext();
    const browser = new Browser(t.url);
    const { href, returnTo } = await toProviderButton(browser, pkce().challenge, 'st-456');
    const start = await browser.request(`${t.url}${href}`);
    const callback = await browser.request(await throughProvider(browser, start.location!, t.url));
    expect(callback.status).toBe(302);
    const login = new URL(callback.location!, t.url);
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('error')).toBe('provider_denied');
    expect(login.searchParams.get('return_to')).toBe(returnTo);
    const page = await browser.request(`${t.url}${callback.location}`);
    expect(page.text).toContain('The sign-in was cancelled or refused at the provider.');
    expect(browser.cookie('access_token')).toBeUndefined();
  });
});
