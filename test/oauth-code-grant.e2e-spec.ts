import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import * as oidc from 'openid-client';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, TEST_DATABASE_URL, type TestApp } from './support/app.js';
import { CookieJar, hiddenField } from './support/cookie-jar.js';
import { client, type Client } from './support/http.js';
import {
  authorizePath,
  createClient,
  oidcEnv,
  pkce,
  query,
  type RegisteredClient,
  submitLogin,
} from './support/oauth.js';
import { TEST_REDIS_URL } from './support/redis.js';
import { RetentionService } from '../src/retention/retention.service.js';
import { hashCode } from '../src/authorize/authorization-codes.service.js';
import { ClientsService } from '../src/clients/clients.service.js';

const ISSUER = 'http://localhost:3000';
const RP = 'https://rp.example.com/callback';
const RP_SIGNED_OUT = 'https://rp.example.com/signed-out';
const CODE_GRANT = 'authorization_code';

const transports: Array<[string, Record<string, string>]> = [
  [TEST_DATABASE_URL ? 'Postgres' : 'PGlite', {}],
  ...(TEST_REDIS_URL
    ? [['Postgres/PGlite + Redis', { REDIS_URL: TEST_REDIS_URL }] as [string, Record<string, string>]]
    : []),
];

/** fetch that sends the issuer's URLs (APP_URL) to the test port of `t`. */
function rewrite(t: TestApp) {
  return (url: string, options: RequestInit) => fetch(url.replace(ISSUER, t.url), options);
}

/** openid-client as a strict relying party of the issuer (APP_URL), reached on the test port of `t`. */
function discover(t: TestApp, rp: RegisteredClient): Promise<oidc.Configuration> {
  return oidc.discovery(
    new URL(ISSUER),
    rp.clientId,
    rp.secret ? { client_secret: rp.secret } : undefined,
    rp.secret ? oidc.ClientSecretBasic(rp.secret) : oidc.None(),
    {
      execute: [oidc.allowInsecureRequests],
      [oidc.customFetch]: (url: string, options: oidc.CustomFetchOptions) => fetch(url.replace(ISSUER, t.url), options),
    },
  );
}

describe.each(transports)('grant_type=authorization_code (%s)', (_name, transport) => {
  const env = { ...oidcEnv(), ...transport };
  let a: TestApp;
  let b: TestApp;
  let httpA: Client;
  let httpB: Client;
  let spa: RegisteredClient;
  let backend: RegisteredClient;
  let other: RegisteredClient;
  let n = 0;
  const secrets: string[] = [];

  async function newUser(): Promise<string> {
    const email = `code${++n}@example.com`;
    expect((await httpA.post('/auth/register', { json: { email, password: PASSWORD } })).status).toBe(201);
    return email;
  }

  /** A browser signed in on `t` through the cookie login. */
  async function browser(t: TestApp, email: string): Promise<CookieJar> {
    const jar = new CookieJar({ [ISSUER]: t.url });
    expect((await jar.postForm(`${ISSUER}/auth/login`, { email, password: PASSWORD }, null)).status).toBe(200);
    return jar;
  }

  /** A code for a first-party client, straight from /oauth/authorize of `t`. */
  async function mint(t: TestApp, c: RegisteredClient, email: string, verifierChallenge = pkce()) {
    const jar = await browser(t, email);
    const res = await jar.get(`${ISSUER}${authorizePath(c.clientId, RP, verifierChallenge.challenge)}`);
    const code = query(res.location).get('code')!;
    secrets.push(code, verifierChallenge.verifier);
    return { code, verifier: verifierChallenge.verifier };
  }

  const exchange = (http: Client, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    http.post('/auth/token', { form: { grant_type: CODE_GRANT, redirect_uri: RP, ...fields }, headers });

  const basic = (c: RegisteredClient) => ({
    authorization: `Basic ${Buffer.from(`${c.clientId}:${c.secret}`).toString('base64')}`,
  });

  beforeAll(async () => {
    await resetDatabase();
    a = await startApp(env);
    b = await startApp(env);
    httpA = client(a.url);
    httpB = client(b.url);
    spa = await createClient(a.app, {
      name: 'Photo Printer',
      redirectUris: [RP],
      postLogoutRedirectUris: [RP_SIGNED_OUT],
    });
    backend = await createClient(a.app, { name: 'Backend', redirectUris: [RP], confidential: true, firstParty: true });
    other = await createClient(a.app, { name: 'Other', redirectUris: [RP], firstParty: true });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('runs the whole flow with openid-client: discovery, PKCE + nonce, login, consent, code, id_token, userinfo, refresh, logout', async () => {
    const email = await newUser();
    const config = await discover(a, spa);
    expect(config.serverMetadata().authorization_response_iss_parameter_supported).toBe(true);
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: RP,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
      login_hint: email,
    });
    const jar = new CookieJar({ [ISSUER]: a.url });

    // No browser session: the hosted login page, with the email filled in.
    const toLogin = await jar.get(url.toString());
    expect(toLogin.status).toBe(302);
    const loginUrl = toLogin.location!;
    expect(new URL(loginUrl).pathname).toBe('/login');
    const loginPage = await jar.get(loginUrl);
    expect(loginPage.status).toBe(200);
    expect(loginPage.text).toContain(`value="${email}"`);
    const signedIn = await submitLogin(jar, loginPage, `${ISSUER}/login`, email);
    expect(signedIn.status).toBe(303);
    // Back at the authorization endpoint, then the consent page of this third-party client.
    const toConsent = await jar.follow(signedIn, (to) => new URL(to).pathname === '/consent');
    expect(new URL(toConsent.location!).pathname).toBe('/consent');
    const consent = await jar.get(toConsent.location!);
    expect(consent.status).toBe(200);
    expect(consent.text).toContain('Photo Printer');
    const allowed = await jar.postForm(`${ISSUER}/consent`, {
      _csrf: hiddenField(consent.text, '_csrf'),
      request: hiddenField(consent.text, 'request'),
      decision: 'allow',
    });
    expect(allowed.status).toBe(302);
    const callback = new URL(allowed.location!);
    expect(`${callback.origin}${callback.pathname}`).toBe(RP);
    expect(callback.searchParams.get('iss')).toBe(ISSUER);
    secrets.push(callback.searchParams.get('code')!, verifier);

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
    });
    secrets.push(tokens.access_token, tokens.refresh_token!, tokens.id_token!);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('openid profile email');
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: ISSUER, aud: spa.clientId, nonce, email, email_verified: false, acr: 'aal1' });
    expect(claims.amr).toEqual(['pwd']);
    const access = decodeJwt(tokens.access_token);
    expect(access.client_id).toBe(spa.clientId);
    expect(access.sub).toBe(claims.sub);
    expect(claims.sid).toBe(access.sid);

    // The new session belongs to the client and keeps the browser login's auth_time.
    const [session] = await a.dataSource.query(
      `SELECT s.client_id, s.auth_time, b.auth_time AS browser_auth_time FROM sessions s
         JOIN sessions b ON b.user_id = s.user_id AND b.client_id IS NULL WHERE s.id = $1`,
      [access.sid],
    );
    expect(session.client_id).toBe(spa.clientId);
    expect(new Date(session.auth_time).getTime()).toBe(new Date(session.browser_auth_time).getTime());
    expect(claims.auth_time).toBe(Math.floor(new Date(session.browser_auth_time).getTime() / 1000));

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: claims.sub, email });

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    secrets.push(refreshed.access_token, refreshed.refresh_token!);
    expect(decodeJwt(refreshed.access_token).sid).toBe(access.sid);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    // RP-initiated logout ends the browser session and the client's.
    const logout = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: RP_SIGNED_OUT,
      state: 'bye',
    });
    const out = await jar.get(logout.toString());
    expect(out.status).toBe(302);
    expect(out.location).toBe(`${RP_SIGNED_OUT}?state=bye`);
    expect((await httpA.get('/users/me', { token: refreshed.access_token })).status).toBe(401);
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toThrow();
    const again = await jar.get(url.toString());
    expect(new URL(again.location!).pathname).toBe('/login');
  });

  it('works with the SPA code of docs/oauth-provider.md (oauth4webapi, public client, PKCE, nonce, iss check)', async () => {
    const email = await newUser();
    const io = { [oauth.allowInsecureRequests]: true, [oauth.customFetch]: rewrite(a) };
    const issuer = new URL(ISSUER);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...io }),
    );
    const rp = { client_id: spa.clientId };
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: rp.client_id,
      redirect_uri: RP,
      scope: 'openid profile',
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const jar = await browser(a, email);
    let res = await jar.get(url.toString());
    if (new URL(res.location!).pathname === '/consent') {
      const page = await jar.get(res.location!);
      res = await jar.postForm(`${ISSUER}/consent`, {
        _csrf: hiddenField(page.text, '_csrf'),
        request: hiddenField(page.text, 'request'),
        decision: 'allow',
      });
    }
    const params = oauth.validateAuthResponse(as, rp, new URL(res.location!), state);
    const response = await oauth.authorizationCodeGrantRequest(as, rp, oauth.None(), params, RP, verifier, io);
    const tokens = await oauth.processAuthorizationCodeResponse(as, rp, response, { expectedNonce: nonce });
    secrets.push(tokens.access_token, tokens.refresh_token!, verifier);
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ aud: spa.clientId, nonce, iss: ISSUER });
    // A forged iss in the callback is refused by the client (RFC 9207).
    const forged = new URL(res.location!);
    forged.searchParams.set('iss', 'https://evil.example.com');
    expect(() => oauth.validateAuthResponse(as, rp, forged, state)).toThrow();
  });

  it('redeems on instance B a code issued on A (confidential client, Basic); a second use revokes that session on B within 1 s', async () => {
    const email = await newUser();
    const { code, verifier } = await mint(a, backend, email);
    const first = await exchange(httpB, { code, code_verifier: verifier }, basic(backend));
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body.id_token).toBeDefined();
    secrets.push(first.body.access_token, first.body.refresh_token);
    expect((await httpB.get('/users/me', { token: first.body.access_token })).status).toBe(200);

    const replay = await exchange(httpA, { code, code_verifier: verifier }, basic(backend));
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    const start = Date.now();
    let status = 200;
    while (Date.now() - start < 1000 && status === 200) {
      status = (await httpB.get('/users/me', { token: first.body.access_token })).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status).toBe(401);
    const refresh = await httpB.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: first.body.refresh_token },
      headers: basic(backend),
    });
    expect(refresh.body.error).toBe('invalid_grant');
    const [row] = await a.dataSource.query(`SELECT revoked_reason FROM sessions WHERE id = $1`, [
      decodeJwt(first.body.access_token).sid,
    ]);
    expect(row.revoked_reason).toBe('code_reuse');
  });

  it('gives one presented code at most one live session when it is raced', async () => {
    const email = await newUser();
    const { code, verifier } = await mint(a, other, email);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        exchange(i % 2 ? httpB : httpA, { code, code_verifier: verifier, client_id: other.clientId }),
      ),
    );
    const ok = answers.filter((res) => res.status === 200);
    expect(ok.length).toBeLessThanOrEqual(1);
    expect(answers.filter((res) => res.status !== 200).every((res) => res.body.error === 'invalid_grant')).toBe(true);
    // Every presentation after the first revokes what the first issued: nothing stays alive.
    const [live] = await a.dataSource.query(
      `SELECT count(*)::int AS n FROM sessions WHERE client_id = $1 AND revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE email = $2)`,
      [other.clientId, email],
    );
    expect(live.n).toBe(0);
  });

  describe('refuses with invalid_grant, and a failed attempt does not use the code up', () => {
    let minted: { code: string; verifier: string };
    beforeAll(async () => {
      minted = await mint(a, other, await newUser());
    });

    it.each([
      ['a wrong code_verifier', () => ({ code_verifier: pkce().verifier })],
      ['a verifier that is the challenge (plain)', () => ({ code_verifier: pkce().challenge + 'A' })],
      ['another redirect_uri', () => ({ redirect_uri: 'https://rp.example.com/other' })],
      ['another client', () => ({ client_id: spa.clientId })],
      ['an unknown code', () => ({ code: 'x'.repeat(43) })],
    ])('%s', async (_name, change) => {
      const res = await exchange(httpA, {
        code: minted.code,
        code_verifier: minted.verifier,
        client_id: other.clientId,
        ...change(),
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
      expect(JSON.stringify(res.body)).not.toContain(minted.code);
    });

    it('and then still redeems it with the right parameters', async () => {
      const res = await exchange(httpA, {
        code: minted.code,
        code_verifier: minted.verifier,
        client_id: other.clientId,
      });
      expect(res.status).toBe(200);
      secrets.push(res.body.access_token, res.body.refresh_token);
    });
  });

  it('refuses an expired code', async () => {
    const { code, verifier } = await mint(a, other, await newUser());
    await a.dataSource.query(`UPDATE oauth_codes SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`);
    const res = await exchange(httpA, { code, code_verifier: verifier, client_id: other.clientId });
    expect(res.body.error).toBe('invalid_grant');
  });

  it('answers invalid_request for a missing parameter and 401 invalid_client for bad client credentials', async () => {
    const { code, verifier } = await mint(a, backend, await newUser());
    const missing = await httpA.post('/auth/token', {
      form: { grant_type: CODE_GRANT, code, redirect_uri: RP, client_id: other.clientId },
    });
    expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);
    const noSecret = await exchange(httpA, { code, code_verifier: verifier, client_id: backend.clientId });
    expect(noSecret.status).toBe(401);
    expect(noSecret.body.error).toBe('invalid_client');
    expect(noSecret.headers.get('www-authenticate')).toBe('Basic realm="warden"');
    const wrong = await exchange(httpA, { code, code_verifier: verifier }, basic({ ...backend, secret: 'wrong' }));
    expect(wrong.status).toBe(401);
    // The right credentials still redeem it (client_secret_post this time).
    const right = await exchange(httpA, {
      code,
      code_verifier: verifier,
      client_id: backend.clientId,
      client_secret: backend.secret!,
    });
    expect(right.status).toBe(200);
    secrets.push(right.body.access_token, right.body.refresh_token, backend.secret!);
  });

  it("deletes a client's codes and pending consents with the client", async () => {
    const email = await newUser();
    const doomed = await createClient(a.app, { name: 'Doomed', redirectUris: [RP], firstParty: true });
    const { code, verifier } = await mint(a, doomed, email);
    const jar = await browser(a, email);
    await a.dataSource.query(`UPDATE oauth_clients SET first_party = false WHERE id = $1`, [doomed.clientId]);
    const pending = await jar.get(`${ISSUER}${authorizePath(doomed.clientId, RP, pkce().challenge)}`);
    expect(new URL(pending.location!).pathname).toBe('/consent');
    await a.app.get(ClientsService).delete(doomed.clientId);
    const counts = await a.dataSource.query(
      `SELECT (SELECT count(*)::int FROM oauth_codes WHERE client_id = $1) AS codes,
              (SELECT count(*)::int FROM oauth_pending_authorizations WHERE client_id = $1) AS pending`,
      [doomed.clientId],
    );
    expect(counts[0]).toEqual({ codes: 0, pending: 0 });
    const res = await exchange(httpA, { code, code_verifier: verifier, client_id: doomed.clientId });
    expect([res.status, res.body.error]).toEqual([401, 'invalid_client']);
    expect((await jar.get(pending.location!)).status).toBe(400);
  });

  it('lets the retention job delete codes a day after they expired, and keeps younger ones', async () => {
    const email = await newUser();
    const old = await mint(a, other, email);
    const young = await mint(a, other, email);
    await a.dataSource.query(`UPDATE oauth_codes SET expires_at = now() - interval '25 hours' WHERE code_hash = $1`, [
      hashCode(old.code),
    ]);
    const hashes = async () =>
      (
        await a.dataSource.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM oauth_codes WHERE expires_at < now() - interval '1 day'`,
        )
      )[0].n;
    expect(await hashes()).toBe(1);
    const report = await a.app.get(RetentionService).purge();
    expect(report.deleted).toMatchObject({ oauth_codes: 1 });
    expect(await hashes()).toBe(0);
    const res = await exchange(httpA, { code: young.code, code_verifier: young.verifier, client_id: other.clientId });
    expect(res.status).toBe(200);
  });

  it('records login_success via authorization_code with the client, and logs no code or token', async () => {
    const rows = await a.dataSource.query(
      `SELECT details FROM auth_events WHERE type = 'login_success' AND details->>'via' = 'authorization_code'`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r: { details: { client_id?: string } }) => typeof r.details.client_id === 'string')).toBe(true);
    const logs = [...a.logs, ...b.logs].join('\n');
    expect(secrets.filter((secret) => secret && logs.includes(secret))).toEqual([]);
  });
});
