import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { PASSWORD } from '../../../test/support/accounts.js';
import { resetDatabase, startApp, type TestApp } from '../../../test/support/app.js';
import { CookieJar, hiddenField, type JarResponse } from '../../../test/support/cookie-jar.js';
import { client } from '../../../test/support/http.js';
import { createClient, oidcEnv, type RegisteredClient, submitLogin } from '../../../test/support/oauth.js';
import { clearRedisLimits, TEST_REDIS_URL } from '../../../test/support/redis.js';
import type { PendingAuthorization } from '../src/authorization-code.js';
import { MemoryTokenStorage } from '../src/token-storage.js';
import { createWardenClient } from '../src/warden-client.js';

/** Warden's APP_URL in the tests: the issuer, reached on the test port. */
const ISSUER = 'http://localhost:3000';
const RP = 'https://photos.example.com/callback';
const RP_SIGNED_OUT = 'https://photos.example.com/signed-out';

describe('@warden/client: the authorization code flow with PKCE', () => {
  let warden: TestApp;
  let spa: RegisteredClient;
  let n = 0;
  /** Every request the client sends, as "METHOD /path" plus the form body of POST /auth/token. */
  let sent: string[];

  const newClient = () => {
    sent = [];
    // Requests go to the test port; the issuer (its metadata, iss, the browser's URLs) is APP_URL.
    return createWardenClient({
      baseUrl: warden.url,
      issuer: ISSUER,
      storage: new MemoryTokenStorage(),
      fetch: async (request) => {
        const url = new URL(request.url);
        const body = request.method === 'POST' ? await request.clone().text() : '';
        sent.push(`${request.method} ${url.pathname}${url.pathname === '/auth/token' ? ` ${body}` : ''}`);
        if (url.origin !== warden.url) throw new Error(`request to ${url.origin}, not baseUrl`);
        return fetch(request);
      },
    });
  };
  const newAccount = async () => {
    const email = `pkce${++n}@example.com`;
    const res = await client(warden.url).post('/auth/register', { json: { email, password: PASSWORD } });
    if (res.status !== 201) throw new Error(`register failed: ${res.status}`);
    return email;
  };
  const clientSessions = async (): Promise<number> => {
    const [row] = await warden.dataSource.query(
      `SELECT count(*)::int AS n FROM sessions WHERE client_id = $1 AND revoked_at IS NULL`,
      [spa.clientId],
    );
    return row.n as number;
  };

  /** The browser's side: /oauth/authorize, the hosted /login form, the consent page; the callback URL. */
  async function authorize(jar: CookieJar, pending: PendingAuthorization, email: string): Promise<URL> {
    const toLogin = await jar.get(pending.url);
    expect(toLogin.status).toBe(302);
    const loginUrl = toLogin.location!;
    expect(new URL(loginUrl).pathname).toBe('/login');
    const loginPage = await jar.get(loginUrl);
    expect(loginPage.status).toBe(200);
    const signedIn = await submitLogin(jar, loginPage, `${ISSUER}/login`, email);
    expect(signedIn.status).toBe(303);
    let res: JarResponse = await jar.follow(signedIn, (to) => to.startsWith(RP) || new URL(to).pathname === '/consent');
    if (new URL(res.location!).pathname === '/consent') {
      const consent = await jar.get(res.location!);
      expect(consent.status).toBe(200);
      res = await jar.postForm(`${ISSUER}/consent`, {
        _csrf: hiddenField(consent.text, '_csrf'),
        request: hiddenField(consent.text, 'request'),
        decision: 'allow',
      });
    }
    expect(res.status).toBe(302);
    const callback = new URL(res.location!);
    expect(`${callback.origin}${callback.pathname}`).toBe(RP);
    return callback;
  }

  beforeAll(async () => {
    await resetDatabase();
    await clearRedisLimits();
    warden = await startApp({ ...oidcEnv(), ...(TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}) });
    spa = await createClient(warden.app, {
      name: 'Photo Printer',
      redirectUris: [RP],
      postLogoutRedirectUris: [RP_SIGNED_OUT],
    });
  });
  afterAll(() => warden?.close());

  it('starts with an S256 challenge and a fresh state and nonce each time', async () => {
    const wc = newClient();
    const first = await wc.startAuthorization({ clientId: spa.clientId, redirectUri: RP, loginHint: 'a@example.com' });
    const second = await wc.startAuthorization({ clientId: spa.clientId, redirectUri: RP, prompt: 'login' });
    const url = new URL(first.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${ISSUER}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: spa.clientId,
      redirect_uri: RP,
      scope: 'openid profile',
      state: first.state,
      nonce: first.nonce,
      code_challenge: createHash('sha256').update(first.codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
      login_hint: 'a@example.com',
    });
    expect(first.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(new URL(second.url).searchParams.get('prompt')).toBe('login');
    expect(second.state).not.toBe(first.state);
    expect(second.nonce).not.toBe(first.nonce);
    expect(second.codeVerifier).not.toBe(first.codeVerifier);
    // The verifier never leaves the client before the code exchange.
    expect(first.url).not.toContain(first.codeVerifier);
    // Discovery once per client.
    expect(sent.filter((s) => s === 'GET /.well-known/openid-configuration')).toHaveLength(1);
  });

  it('signs in through /oauth/authorize and /login, then /users/me, a refresh with the client_id, and RP-initiated logout', async () => {
    const wc = newClient();
    const email = await newAccount();
    const pending = await wc.startAuthorization({
      clientId: spa.clientId,
      redirectUri: RP,
      scope: 'openid profile email',
      loginHint: email,
    });
    const jar = new CookieJar({ [ISSUER]: warden.url });
    const callback = await authorize(jar, pending, email);
    expect(callback.searchParams.get('iss')).toBe(ISSUER);
    expect(callback.searchParams.get('state')).toBe(pending.state);

    const { tokens, error } = await wc.completeAuthorization(callback, pending);
    expect(error).toBeUndefined();
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'openid profile email', client_id: spa.clientId });
    expect(await wc.storage.get()).toEqual(tokens);
    expect(decodeJwt(tokens!.id_token!)).toMatchObject({ iss: ISSUER, aud: spa.clientId, nonce: pending.nonce });
    expect(decodeJwt(tokens!.access_token)).toMatchObject({ client_id: spa.clientId });
    const exchange = sent.find((s) => s.startsWith('POST /auth/token'))!;
    const form = new URLSearchParams(exchange.slice('POST /auth/token '.length));
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'authorization_code',
      client_id: spa.clientId,
      code: callback.searchParams.get('code'),
      redirect_uri: RP,
      code_verifier: pending.codeVerifier,
    });

    const me = await wc.api.GET('/users/me');
    expect(me.response.status).toBe(200);
    expect(me.data).toMatchObject({ email });

    // A public client's session refreshes only with its client_id: the client sends it.
    sent = [];
    const refreshed = await wc.refresh();
    expect(refreshed!.refresh_token).not.toBe(tokens!.refresh_token);
    expect(refreshed).toMatchObject({ client_id: spa.clientId, id_token: tokens!.id_token });
    expect(decodeJwt(refreshed!.access_token).sid).toBe(decodeJwt(tokens!.access_token).sid);
    expect(sent).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(sent[0].slice('POST /auth/token '.length)))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: tokens!.refresh_token,
      client_id: spa.clientId,
    });
    // And after an expired access token, through the 401 → refresh → retry path.
    await wc.storage.set({ ...refreshed!, access_token: 'expired.access.token' });
    expect((await wc.api.GET('/users/me')).response.status).toBe(200);

    const logout = wc.logoutUrl({
      idTokenHint: (await wc.storage.get())!.id_token!,
      postLogoutRedirectUri: RP_SIGNED_OUT,
      state: 'bye',
    });
    expect(new URL(logout).origin + new URL(logout).pathname).toBe(`${ISSUER}/oauth/logout`);
    const out = await jar.get(logout);
    expect(out.status).toBe(302);
    expect(out.location).toBe(`${RP_SIGNED_OUT}?state=bye`);
    // The client's session is over on Warden: the 401, the refresh refused, the tokens forgotten.
    const after = await wc.api.GET('/users/me');
    expect(after.response.status).toBe(401);
    expect(await wc.storage.get()).toBeNull();
    // None of the sign-in's secrets reached Warden's logs.
    expect(warden.logs.some((line) => line.includes('/oauth/authorize'))).toBe(true);
    const logs = warden.logs.join('\n');
    for (const secret of [
      pending.codeVerifier,
      pending.nonce,
      callback.searchParams.get('code')!,
      tokens!.access_token,
      tokens!.refresh_token!,
      refreshed!.refresh_token!,
    ]) {
      expect(logs).not.toContain(secret);
    }
    // And the browser's: /oauth/authorize asks for a sign-in again.
    const again = await jar.get((await wc.startAuthorization({ clientId: spa.clientId, redirectUri: RP })).url);
    expect(new URL(again.location!).pathname).toBe('/login');
  });

  describe('refuses a callback, stores nothing and opens no session', () => {
    let email: string;
    beforeAll(async () => {
      email = await newAccount();
    });

    const signIn = async () => {
      const wc = newClient();
      const pending = await wc.startAuthorization({ clientId: spa.clientId, redirectUri: RP });
      const callback = await authorize(new CookieJar({ [ISSUER]: warden.url }), pending, email);
      sent = [];
      return { wc, pending, callback };
    };

    it('twice at once (a page that handles its callback twice): one code exchange, both get the session', async () => {
      const { wc, pending, callback } = await signIn();
      const before = await clientSessions();
      const [first, second] = await Promise.all([
        wc.completeAuthorization(callback, pending),
        wc.completeAuthorization(callback.toString(), pending),
      ]);
      expect(first.tokens).toBeDefined();
      expect(second).toEqual(first);
      expect(sent.filter((s) => s.startsWith('POST /auth/token'))).toHaveLength(1);
      expect(await clientSessions()).toBe(before + 1);
      expect((await wc.api.GET('/users/me')).response.status).toBe(200);
      // Later, the same callback again is the code's second use: refused, and Warden revokes the session.
      const replay = await wc.completeAuthorization(callback, pending);
      expect(replay.error).toMatchObject({ error: 'invalid_grant', status: 400 });
      expect(await wc.storage.get()).toEqual(first.tokens);
    });

    it('with a state that is not the one this client sent', async () => {
      const { wc, pending, callback } = await signIn();
      const before = await clientSessions();
      const result = await wc.completeAuthorization(callback, { ...pending, state: 'another-sign-in' });
      expect(result.error).toEqual({
        error: 'invalid_response',
        error_description: expect.stringContaining('"state"'),
      });
      expect(result.tokens).toBeUndefined();
      expect(await wc.storage.get()).toBeNull();
      // Refused before the code exchange: the code never reached the token endpoint.
      expect(sent).toEqual([]);
      expect(await clientSessions()).toBe(before);
    });

    it('with an iss that is not Warden (RFC 9207 mix-up defence)', async () => {
      const { wc, pending, callback } = await signIn();
      const before = await clientSessions();
      callback.searchParams.set('iss', 'https://evil.example.com');
      const result = await wc.completeAuthorization(callback, pending);
      expect(result.error).toEqual({ error: 'invalid_response', error_description: expect.stringContaining('"iss"') });
      expect(await wc.storage.get()).toBeNull();
      expect(sent).toEqual([]);
      expect(await clientSessions()).toBe(before);
      // Without iss at all, also refused: Warden announces that it always sends one.
      callback.searchParams.delete('iss');
      expect((await wc.completeAuthorization(callback, pending)).error).toMatchObject({ error: 'invalid_response' });
      expect(await wc.storage.get()).toBeNull();
    });

    it('with a tampered code: Warden refuses it (invalid_grant)', async () => {
      const { wc, pending, callback } = await signIn();
      const before = await clientSessions();
      callback.searchParams.set('code', `${callback.searchParams.get('code')}x`);
      const result = await wc.completeAuthorization(callback, pending);
      expect(result.error).toEqual({ error: 'invalid_grant', error_description: expect.any(String), status: 400 });
      expect(result.error!.error_description).not.toContain(callback.searchParams.get('code'));
      expect(await wc.storage.get()).toBeNull();
      expect(await clientSessions()).toBe(before);
    });

    it("with a wrong code verifier (another sign-in's): Warden refuses the code", async () => {
      const { wc, pending, callback } = await signIn();
      const other = await wc.startAuthorization({ clientId: spa.clientId, redirectUri: RP });
      const result = await wc.completeAuthorization(callback, { ...pending, codeVerifier: other.codeVerifier });
      expect(result.error).toMatchObject({ error: 'invalid_grant', status: 400 });
      expect(await wc.storage.get()).toBeNull();
    });

    it("with an id_token whose nonce is not this sign-in's", async () => {
      const { wc, pending, callback } = await signIn();
      const before = await clientSessions();
      const result = await wc.completeAuthorization(callback, { ...pending, nonce: 'another-nonce' });
      expect(result.error).toEqual({
        error: 'invalid_response',
        error_description: expect.stringContaining('"nonce"'),
      });
      expect(await wc.storage.get()).toBeNull();
      // The code was redeemed (Warden cannot know the nonce was wrong); the client kept nothing.
      expect(await clientSessions()).toBe(before + 1);
    });

    it('when the user denied access', async () => {
      const wc = newClient();
      const pending = await wc.startAuthorization({ clientId: spa.clientId, redirectUri: RP });
      const denied = new URL(RP);
      denied.search = new URLSearchParams({
        error: 'access_denied',
        error_description: 'The user denied the request',
        state: pending.state,
        iss: ISSUER,
      }).toString();
      const result = await wc.completeAuthorization(denied, pending);
      expect(result.error).toEqual({ error: 'access_denied', error_description: 'The user denied the request' });
      expect(await wc.storage.get()).toBeNull();
    });

    it('without the pending sign-in (session storage lost or damaged)', async () => {
      const { wc, pending, callback } = await signIn();
      const lost = await wc.completeAuthorization(callback, JSON.parse('null') as PendingAuthorization);
      expect(lost.error).toEqual({
        error: 'invalid_request',
        error_description: expect.stringContaining('start it again'),
      });
      const { state: _state, ...damaged } = pending;
      const partial = await wc.completeAuthorization(callback, damaged as PendingAuthorization);
      expect(partial.error).toMatchObject({ error: 'invalid_request' });
      expect(sent).toEqual([]);
      expect(await wc.storage.get()).toBeNull();
      // The code is still good for the pending sign-in itself.
      expect((await wc.completeAuthorization(callback, pending)).tokens).toBeDefined();
    });
  });
});
