import { CookieJar, hiddenField } from './support/cookie-jar.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { authorizePath, createClient, oidcEnv, pkce, query, type RegisteredClient } from './support/oauth.js';

const REDIRECT = 'https://app.example.com/callback';
const EMAIL = 'authorize@example.com';

describe('GET/POST /oauth/authorize', () => {
  let t: TestApp;
  let http: Client;
  let issuer: string;
  let thirdParty: RegisteredClient;
  let firstParty: RegisteredClient;
  let noCodeGrant: RegisteredClient;
  let native: RegisteredClient;
  const { challenge } = pkce();

  /** A browser with a Warden session (the cookie login of the API). */
  async function signedIn(email = EMAIL): Promise<CookieJar> {
    const jar = new CookieJar();
    const res = await jar.postForm(`${t.url}/auth/login`, { email, password: PASSWORD }, null);
    expect(res.status).toBe(200);
    return jar;
  }

  const path = (c: RegisteredClient, extra: Record<string, string | undefined> = {}, redirect = REDIRECT) =>
    authorizePath(c.clientId, redirect, challenge, extra);

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp(oidcEnv());
    http = client(t.url);
    issuer = t.config.jwt.issuer;
    expect((await http.post('/auth/register', { json: { email: EMAIL, password: PASSWORD } })).status).toBe(201);
    thirdParty = await createClient(t.app, { name: 'Third Party', redirectUris: [REDIRECT] });
    firstParty = await createClient(t.app, { name: 'Own App', redirectUris: [REDIRECT], firstParty: true });
    noCodeGrant = await createClient(t.app, {
      redirectUris: [REDIRECT],
      grantTypes: ['client_credentials'],
      confidential: true,
    });
    native = await createClient(t.app, {
      redirectUris: ['http://127.0.0.1/callback', 'com.example.app:/oauth'],
      firstParty: true,
    });
  });
  afterAll(() => t.close());

  describe('never redirects to an unverified target', () => {
    it.each([
      ['an unknown client_id', () => authorizePath('6f1c2b3a-0000-4000-8000-000000000000', REDIRECT, challenge)],
      ['a malformed client_id', () => authorizePath('my-app', REDIRECT, challenge)],
      ['no client_id', () => path(thirdParty, { client_id: undefined })],
      ['a redirect_uri that is not registered', () => path(thirdParty, {}, 'https://evil.example.com/callback')],
      ['a registered redirect_uri with another path', () => path(thirdParty, {}, `${REDIRECT}/x`)],
      ['no redirect_uri', () => path(thirdParty, { redirect_uri: undefined })],
    ])('shows a 400 page for %s', async (_name, make) => {
      const jar = await signedIn();
      const res = await jar.get(`${t.url}${make()}`);
      expect(res.status).toBe(400);
      expect(res.location).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toMatch(/<html/i);
      expect(res.text).not.toContain('evil.example.com');
    });

    it('shows a 400 page for a duplicated redirect_uri', async () => {
      const res = await new CookieJar().get(`${t.url}${path(thirdParty)}&redirect_uri=${encodeURIComponent(REDIRECT)}`);
      expect(res.status).toBe(400);
      expect(res.location).toBeNull();
    });
  });

  describe('redirects every other error to the client (RFC 6749 4.1.2.1, RFC 9207)', () => {
    it.each([
      ['response_type=token', 'unsupported_response_type', { response_type: 'token' }],
      ['no response_type', 'invalid_request', { response_type: undefined }],
      ['no code_challenge', 'invalid_request', { code_challenge: undefined }],
      ['code_challenge_method=plain', 'invalid_request', { code_challenge_method: 'plain' }],
      ['no code_challenge_method', 'invalid_request', { code_challenge_method: undefined }],
      ['a malformed code_challenge', 'invalid_request', { code_challenge: 'too-short' }],
      ['an unknown prompt', 'invalid_request', { prompt: 'select_account' }],
      ['prompt=none with login', 'invalid_request', { prompt: 'none login' }],
      ['a negative max_age', 'invalid_request', { max_age: '-5' }],
      ['a request object', 'request_not_supported', { request: 'eyJhbGciOiJub25lIn0.e30.' }],
      ['an unknown scope', 'invalid_scope', { scope: 'openid wat' }],
      ['a scope not registered for the client', 'invalid_scope', { scope: 'openid users:read' }],
    ])('%s → %s', async (_name, error, extra) => {
      const jar = await signedIn();
      const res = await jar.get(`${t.url}${path(thirdParty, { ...extra, state: 'xyz' })}`);
      expect(res.status).toBe(302);
      expect(res.location!.startsWith(`${REDIRECT}?`)).toBe(true);
      const params = query(res.location);
      expect(params.get('error')).toBe(error);
      expect(params.get('error_description')).toBeTruthy();
      expect(params.get('state')).toBe('xyz');
      expect(params.get('iss')).toBe(issuer);
      expect(params.get('code')).toBeNull();
      expect(await codes()).toBe(0);
    });

    it('answers unauthorized_client for a client without the authorization_code grant', async () => {
      const jar = await signedIn();
      const params = query((await jar.get(`${t.url}${path(noCodeGrant)}`)).location);
      expect(params.get('error')).toBe('unauthorized_client');
    });

    it('answers login_required for prompt=none without a session, and never shows a page', async () => {
      const res = await new CookieJar().get(`${t.url}${path(firstParty, { prompt: 'none', state: 's-none' })}`);
      expect(res.status).toBe(302);
      const params = query(res.location);
      expect([params.get('error'), params.get('state'), params.get('iss')]).toEqual([
        'login_required',
        's-none',
        issuer,
      ]);
    });

    it('answers login_required for prompt=none when the login is older than max_age', async () => {
      const jar = await signedIn();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const params = query((await jar.get(`${t.url}${path(firstParty, { prompt: 'none', max_age: '0' })}`)).location);
      expect(params.get('error')).toBe('login_required');
    });

    it('answers consent_required for prompt=none before the user allowed a third-party client', async () => {
      const jar = await signedIn();
      const params = query((await jar.get(`${t.url}${path(thirdParty, { prompt: 'none' })}`)).location);
      expect(params.get('error')).toBe('consent_required');
    });
  });

  it('answers invalid_scope for openid under HS256, where OpenID Connect is off, and grants profile', async () => {
    const hs = await startApp();
    try {
      const c = await createClient(hs.app, { redirectUris: [REDIRECT], firstParty: true });
      await client(hs.url).post('/auth/register', { json: { email: EMAIL, password: PASSWORD } });
      const jar = new CookieJar();
      expect((await jar.postForm(`${hs.url}/auth/login`, { email: EMAIL, password: PASSWORD }, null)).status).toBe(200);
      const refused = await jar.get(`${hs.url}${authorizePath(c.clientId, REDIRECT, challenge, { scope: 'openid' })}`);
      expect(query(refused.location).get('error')).toBe('invalid_scope');
      const ok = await jar.get(`${hs.url}${authorizePath(c.clientId, REDIRECT, challenge, { scope: 'profile' })}`);
      expect(query(ok.location).get('code')).toBeTruthy();
      // No scope asked: the client's scopes without the OIDC ones.
      const byDefault = await jar.get(
        `${hs.url}${authorizePath(c.clientId, REDIRECT, challenge, { scope: undefined })}`,
      );
      expect(query(byDefault.location).get('code')).toBeTruthy();
      const [row] = await hs.dataSource.query(
        `SELECT scope FROM oauth_codes WHERE client_id = $1 ORDER BY created_at DESC LIMIT 1`,
        [c.clientId],
      );
      expect(row.scope).toBe('profile');
    } finally {
      await hs.close();
    }
  });

  describe('sends the browser to /login', () => {
    it('without a browser session, with the request as return_to and login_hint passed on', async () => {
      const res = await new CookieJar().get(
        `${t.url}${path(firstParty, { login_hint: 'someone@example.com', state: 'abc' })}`,
      );
      expect(res.status).toBe(302);
      const location = new URL(res.location!);
      expect(location.pathname).toBe('/login');
      expect(location.searchParams.get('login_hint')).toBe('someone@example.com');
      expect(location.searchParams.get('prompt')).toBeNull();
      const returnTo = new URL(location.searchParams.get('return_to')!, t.url);
      expect(returnTo.pathname).toBe('/oauth/authorize');
      expect(returnTo.searchParams.get('client_id')).toBe(firstParty.clientId);
      expect(returnTo.searchParams.get('state')).toBe('abc');
      expect(returnTo.searchParams.get('code_challenge')).toBe(challenge);
    });

    it('for prompt=login even with a session; coming back without a new login asks again, a new login goes on', async () => {
      const jar = await signedIn();
      const first = await jar.get(`${t.url}${path(firstParty, { prompt: 'login' })}`);
      const login = new URL(first.location!);
      expect(login.pathname).toBe('/login');
      expect(login.searchParams.get('prompt')).toBe('login');
      const returnTo = login.searchParams.get('return_to')!;
      expect(new URL(returnTo, t.url).searchParams.get('prompt')).toBeNull();
      // Straight back, same old session: not fresh, so /login again (not a code).
      const again = await jar.get(`${t.url}${returnTo}`);
      expect(new URL(again.location!).pathname).toBe('/login');
      // A real new login, then the same return address: the code, and no loop.
      expect((await jar.postForm(`${t.url}/auth/login`, { email: EMAIL, password: PASSWORD }, null)).status).toBe(200);
      const done = await jar.get(`${t.url}${returnTo}`);
      expect(done.location!.startsWith(`${REDIRECT}?`)).toBe(true);
      expect(query(done.location).get('code')).toBeTruthy();
    });

    it('when max_age has passed since the login', async () => {
      const jar = await signedIn();
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const res = await jar.get(`${t.url}${path(firstParty, { max_age: '1' })}`);
      const login = new URL(res.location!);
      expect(login.pathname).toBe('/login');
      expect(login.searchParams.get('prompt')).toBe('login');
      expect((await jar.get(`${t.url}${path(firstParty, { max_age: '3600' })}`)).location).toContain('code=');
      // After a new login the same request (max_age kept) goes on, even if a second has passed.
      expect((await jar.postForm(`${t.url}/auth/login`, { email: EMAIL, password: PASSWORD }, null)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const done = await jar.get(`${t.url}${login.searchParams.get('return_to')!}`);
      expect(query(done.location).get('code')).toBeTruthy();
    });
  });

  describe('issues a code', () => {
    it('for a first-party client at once: code, state and iss, no cache', async () => {
      const jar = await signedIn();
      const res = await jar.get(`${t.url}${path(firstParty, { state: 'st1' })}`);
      expect(res.status).toBe(302);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const params = query(res.location);
      expect(params.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(params.get('state')).toBe('st1');
      expect(params.get('iss')).toBe(issuer);
      // Only the hash is stored, bound to what the request said.
      const [row] = await t.dataSource.query(
        `SELECT code_hash, redirect_uri, code_challenge, scope, acr, amr, expires_at - created_at AS ttl FROM oauth_codes ORDER BY created_at DESC LIMIT 1`,
      );
      expect(row.code_hash).not.toBe(params.get('code'));
      expect(row.redirect_uri).toBe(REDIRECT);
      expect(row.code_challenge).toBe(challenge);
      expect(row.scope).toBe('openid profile');
      expect(row.acr).toBe('aal1');
    });

    it('answers the form POST like the GET', async () => {
      const jar = await signedIn();
      const form = Object.fromEntries(new URLSearchParams(path(firstParty, { state: 'posted' }).split('?')[1]));
      const res = await jar.postForm(`${t.url}/oauth/authorize`, form, 'https://app.example.com');
      expect(res.status).toBe(302);
      expect(query(res.location).get('state')).toBe('posted');
      expect(query(res.location).get('code')).toBeTruthy();
    });

    it('to a loopback redirect on any port and to a private-use scheme (RFC 8252)', async () => {
      const jar = await signedIn();
      const loopback = await jar.get(`${t.url}${path(native, {}, 'http://127.0.0.1:51234/callback')}`);
      expect(loopback.location!.startsWith('http://127.0.0.1:51234/callback?code=')).toBe(true);
      const scheme = await jar.get(`${t.url}${path(native, {}, 'com.example.app:/oauth')}`);
      expect(scheme.location!.startsWith('com.example.app:/oauth?code=')).toBe(true);
      expect((await jar.get(`${t.url}${path(native, {}, 'http://127.0.0.1:51234/other')}`)).status).toBe(400);
    });

    it('with the client scopes when none is asked; admin scopes are left out for a plain user', async () => {
      const wide = await createClient(t.app, {
        redirectUris: [REDIRECT],
        firstParty: true,
        scopes: ['profile', 'users:read'],
      });
      const jar = await signedIn();
      const res = await jar.get(`${t.url}${authorizePath(wide.clientId, REDIRECT, challenge, { scope: undefined })}`);
      expect(query(res.location).get('code')).toBeTruthy();
      const [row] = await t.dataSource.query(`SELECT scope FROM oauth_codes WHERE client_id = $1`, [wide.clientId]);
      expect(row.scope).toBe('profile');
    });
  });

  describe('consent for a third-party client', () => {
    it('asks once per user, client and scopes; Deny → access_denied; prompt=consent asks again', async () => {
      const jar = await signedIn();
      const first = await jar.get(`${t.url}${path(thirdParty, { scope: 'openid profile', state: 'c1' })}`);
      const consentUrl = new URL(first.location!);
      expect(consentUrl.pathname).toBe('/consent');
      const page = await jar.get(first.location!);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Third Party');
      expect(page.text).toContain('Sign you in to the application');
      expect(page.text).toContain('Read and manage your own account');
      const request = hiddenField(page.text, 'request');
      const csrf = hiddenField(page.text, '_csrf');

      // Without the CSRF token nothing is answered.
      const forged = await jar.postForm(`${t.url}/consent`, { request, decision: 'allow' }, t.config.appUrl);
      expect(forged.status).toBe(403);

      const allowed = await jar.postForm(
        `${t.url}/consent`,
        { request, decision: 'allow', _csrf: csrf },
        t.config.appUrl,
      );
      expect(allowed.status).toBe(302);
      expect(query(allowed.location).get('code')).toBeTruthy();
      expect(query(allowed.location).get('state')).toBe('c1');
      // Answered once.
      const replay = await jar.postForm(
        `${t.url}/consent`,
        { request, decision: 'allow', _csrf: csrf },
        t.config.appUrl,
      );
      expect(replay.status).toBe(400);
      expect(replay.location).toBeNull();

      // Remembered: the same or fewer scopes go straight through.
      const again = await jar.get(`${t.url}${path(thirdParty, { scope: 'openid' })}`);
      expect(query(again.location).get('code')).toBeTruthy();
      // More scopes: asked again.
      const more = await jar.get(`${t.url}${path(thirdParty, { scope: 'openid profile email' })}`);
      expect(new URL(more.location!).pathname).toBe('/consent');
      // prompt=consent: asked again; Deny sends access_denied.
      const forced = await jar.get(`${t.url}${path(thirdParty, { scope: 'openid', prompt: 'consent', state: 'c2' })}`);
      const forcedPage = await jar.get(forced.location!);
      const denied = await jar.postForm(
        `${t.url}/consent`,
        {
          request: hiddenField(forcedPage.text, 'request'),
          decision: 'deny',
          _csrf: hiddenField(forcedPage.text, '_csrf'),
        },
        t.config.appUrl,
      );
      const params = query(denied.location);
      expect([params.get('error'), params.get('state'), params.get('iss'), params.get('code')]).toEqual([
        'access_denied',
        'c2',
        issuer,
        null,
      ]);
    });

    it("binds the pending request to its user: another user's browser cannot answer or see it", async () => {
      const jar = await signedIn();
      const pending = await jar.get(`${t.url}${path(thirdParty, { prompt: 'consent' })}`);
      const requestId = new URL(pending.location!).searchParams.get('request')!;
      await http.post('/auth/register', { json: { email: 'other@example.com', password: PASSWORD } });
      const other = await signedIn('other@example.com');
      const page = await other.get(`${t.url}/consent?request=${requestId}`);
      expect(page.status).toBe(400);
      expect(page.text).not.toContain('Third Party');
      // The other user's own page gives a CSRF token; it still cannot answer this request.
      const own = await other.get(`${t.url}${path(thirdParty, { prompt: 'consent' })}`);
      const ownPage = await other.get(own.location!);
      const res = await other.postForm(
        `${t.url}/consent`,
        { request: requestId, decision: 'allow', _csrf: hiddenField(ownPage.text, '_csrf') },
        t.config.appUrl,
      );
      expect(res.status).toBe(400);
      expect(res.location).toBeNull();
    });

    it('lets a pending request expire', async () => {
      const jar = await signedIn();
      const pending = await jar.get(`${t.url}${path(thirdParty, { prompt: 'consent' })}`);
      const requestId = new URL(pending.location!).searchParams.get('request')!;
      const page = await jar.get(pending.location!);
      await t.dataSource.query(
        `UPDATE oauth_pending_authorizations SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [requestId],
      );
      const res = await jar.postForm(
        `${t.url}/consent`,
        { request: requestId, decision: 'allow', _csrf: hiddenField(page.text, '_csrf') },
        t.config.appUrl,
      );
      expect(res.status).toBe(400);
    });

    it('sends /consent without a session to /login and back', async () => {
      const res = await new CookieJar().get(`${t.url}/consent?request=6f1c2b3a-0000-4000-8000-000000000000`);
      expect(res.status).toBe(302);
      const location = new URL(res.location!);
      expect(location.pathname).toBe('/login');
      expect(location.searchParams.get('return_to')).toBe('/consent?request=6f1c2b3a-0000-4000-8000-000000000000');
    });
  });

  async function codes(): Promise<number> {
    const [row] = await t.dataSource.query(`SELECT count(*)::int AS n FROM oauth_codes WHERE client_id = $1`, [
      thirdParty.clientId,
    ]);
    return row.n as number;
  }
});
