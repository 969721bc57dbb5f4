import { createHash, generateKeyPairSync } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { login } from './support/accounts.js';
import { IdTokenService } from '../src/oidc/id-token.service.js';
import { UsersService } from '../src/users/users.service.js';
import { client } from './support/http.js';

const ISSUER = 'http://localhost:3000';
const OIDC_ONLY = [
  'userinfo_endpoint',
  'end_session_endpoint',
  'subject_types_supported',
  'id_token_signing_alg_values_supported',
  'claims_supported',
];

function es256Key(): string {
  return generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

/** openid-client as a relying party, against the issuer the server names (APP_URL), reached on the test port. */
function discover(t: TestApp, clientId = 'test-client') {
  return oidc.discovery(new URL(ISSUER), clientId, undefined, undefined, {
    execute: [oidc.allowInsecureRequests],
    [oidc.customFetch]: (url: string, options: oidc.CustomFetchOptions) => fetch(url.replace(ISSUER, t.url), options),
  });
}

describe('OpenID Connect discovery (ES256)', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: es256Key() });
  });
  afterAll(() => t.close());

  it('serves the Discovery 1.0 document with every endpoint, grant, scope and claim', async () => {
    const res = await client(t.url).get('/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.body).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/oauth/authorize`,
      token_endpoint: `${ISSUER}/auth/token`,
      userinfo_endpoint: `${ISSUER}/oauth/userinfo`,
      end_session_endpoint: `${ISSUER}/oauth/logout`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      revocation_endpoint: `${ISSUER}/auth/revoke`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      id_token_signing_alg_values_supported: ['ES256'],
      request_uri_parameter_supported: false,
      token_endpoint_auth_methods_supported: expect.arrayContaining(['none']),
    });
    expect(res.body.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    expect(res.body.grant_types_supported).toEqual(expect.arrayContaining(['password', 'refresh_token']));
    expect(res.body.claims_supported).toEqual(
      expect.arrayContaining(['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'sid']),
    );
    expect(res.body.claims_supported).toEqual(
      expect.arrayContaining(['email', 'email_verified', 'name', 'preferred_username']),
    );
  });

  it('keeps the RFC 8414 document in step with it: every shared field is equal', async () => {
    const http = client(t.url);
    const discovery = (await http.get('/.well-known/openid-configuration')).body as Record<string, unknown>;
    const rfc8414 = (await http.get('/.well-known/oauth-authorization-server')).body as Record<string, unknown>;
    const shared = Object.keys(discovery).filter((key) => key in rfc8414);
    expect(shared).toEqual(expect.arrayContaining(['issuer', 'token_endpoint', 'grant_types_supported', ...OIDC_ONLY]));
    for (const key of shared) expect([key, rfc8414[key]]).toEqual([key, discovery[key]]);
  });

  it('is accepted by openid-client, whose userinfo call then answers for the token it got', async () => {
    const config = await discover(t);
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(ISSUER);
    expect(metadata.userinfo_endpoint).toBe(`${ISSUER}/oauth/userinfo`);
    expect(metadata.supportsPKCE()).toBe(true);

    const http = client(t.url);
    const registered = await http.post('/auth/register', {
      json: { email: 'discovery@example.com', password: 'correct horse battery staple', display_name: 'Dee' },
    });
    const tokens = await login(http, 'discovery@example.com', undefined, 'openid email profile');
    const claims = await oidc.fetchUserInfo(config, tokens.access_token, registered.body.id as string);
    expect(claims).toMatchObject({ sub: registered.body.id, email: 'discovery@example.com', name: 'Dee' });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, 'someone-else')).rejects.toThrow(
      'unexpected JSON attribute value encountered',
    );
  });
});

describe('an id_token of the running server, checked as a relying party does', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: es256Key() });
  });
  afterAll(() => t.close());

  it('verifies against the published JWKS with the advertised algorithm, and at_hash binds the access token', async () => {
    const http = client(t.url);
    await http.post('/auth/register', { json: { email: 'rp@example.com', password: 'correct horse battery staple' } });
    const tokens = await login(http, 'rp@example.com', undefined, 'openid email');
    const user = (await t.app.get(UsersService).findByEmail('rp@example.com'))!;
    const idToken = await t.app.get(IdTokenService).issue({
      user,
      sessionId: '0b6f1d2e-7c3a-4e59-8f10-2a4b6c8d0e12',
      clientId: 'rp-client',
      scopes: ['openid', 'email'],
      nonce: 'n-123',
      accessToken: tokens.access_token,
      acr: 'aal1',
      amr: ['pwd'],
      authTime: new Date(),
    });
    const discovery = (await http.get('/.well-known/openid-configuration')).body;
    const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(idToken, jwks, {
      issuer: discovery.issuer as string,
      audience: 'rp-client',
      algorithms: discovery.id_token_signing_alg_values_supported as string[],
      typ: 'JWT',
    });
    expect(protectedHeader.kid).toBeDefined();
    expect(payload).toMatchObject({ sub: user.id, nonce: 'n-123', email: 'rp@example.com', email_verified: false });
    const digest = createHash('sha256').update(tokens.access_token).digest();
    expect(payload.at_hash).toBe(digest.subarray(0, 16).toString('base64url'));
    await expect(
      jwtVerify(idToken, jwks, { issuer: discovery.issuer as string, audience: 'warden' }),
    ).rejects.toThrow();
  });
});

describe('OpenID Connect under HS256', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
  });
  afterAll(() => t.close());

  it('answers 404 for the OpenID routes and leaves them out of the RFC 8414 document', async () => {
    const http = client(t.url);
    const discovery = await http.get('/.well-known/openid-configuration');
    expect(discovery.status).toBe(404);
    expect(discovery.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    await http.post('/auth/register', { json: { email: 'hs@example.com', password: 'correct horse battery staple' } });
    const tokens = await login(http, 'hs@example.com', undefined, 'profile');
    expect((await http.get('/oauth/userinfo', { token: tokens.access_token })).status).toBe(404);
    expect((await http.post('/oauth/userinfo', { token: tokens.access_token })).status).toBe(404);
    expect((await http.get('/oauth/logout')).status).toBe(404);

    const metadata = (await http.get('/.well-known/oauth-authorization-server')).body as Record<string, unknown>;
    for (const key of OIDC_ONLY) expect(metadata).not.toHaveProperty(key);
    expect(metadata.scopes_supported).not.toContain('openid');
    expect(metadata.scopes_supported).not.toContain('email');
    await expect(discover(t)).rejects.toThrow();
  });
});
