import { calculateJwkThumbprint, decodeJwt, exportJWK, importPKCS8, SignJWT } from 'jose';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { login, registerAdmin } from '../../../test/support/accounts.js';
import { resetDatabase, startApp, TEST_JWT_SECRET, type TestApp } from '../../../test/support/app.js';
import { client, type Client, registerAndLogin, request } from '../../../test/support/http.js';
import type { WardenAuthMode, WardenAuthOptions } from '../src/options.js';
import { type AdapterName, type ResourceApp, startResource } from './support/resource-app.js';

const SECRET = 'introspection-secret-0123456789-abcdef';
const ISSUER = 'http://localhost:3000';
const AUDIENCE = 'warden';
const ADAPTERS: AdapterName[] = ['fastify', 'express'];
const MODES: WardenAuthMode[] = ['jwt', 'introspect'];
const STEP_UP =
  'Bearer realm="resource-api", error="insufficient_user_authentication", error_description="A stronger authentication (aal2) is required", acr_values="aal2"';

const keys = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

let warden: TestApp;
let http: Client;
let adminEmail: string;
let n = 0;

const get = (api: ResourceApp, path: string, token?: string) => request(api.url, 'GET', path, token ? { token } : {});
const newUser = async () => (await registerAndLogin(http, `guard${++n}@example.com`)).tokens;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function options(mode: WardenAuthMode, overrides: Partial<WardenAuthOptions> = {}): WardenAuthOptions {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    mode,
    realm: 'resource-api',
    jwksUrl: `${warden.url}/.well-known/jwks.json`,
    introspection: { url: `${warden.url}/auth/introspect`, secret: SECRET, cacheTtlSeconds: 1 },
    ...overrides,
  };
}

/** A token signed with Warden's own key, for claims Warden v1 does not issue yet (acr). */
async function signLikeWarden(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  { iat = Math.floor(Date.now() / 1000), exp = iat + 300 }: { iat?: number; exp?: number } = {},
) {
  const kid = await calculateJwkThumbprint(await exportJWK(createPublicKey(keys.publicKey)));
  return new SignJWT({ scope: 'profile', roles: ['user'], sid: 'x', ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid, ...header })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('0b6a3c1e-1111-4c2b-9a0e-000000000001')
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(await importPKCS8(keys.privateKey, 'ES256'));
}

beforeAll(async () => {
  await resetDatabase();
  warden = await startApp({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: keys.privateKey, INTROSPECTION_SECRET: SECRET });
  http = client(warden.url);
  adminEmail = 'guard-admin@example.com';
  await registerAdmin(http, warden.dataSource, adminEmail);
});
afterAll(() => warden.close());

describe.each(ADAPTERS)('WardenAuthGuard on the %s adapter', (adapter) => {
  describe.each(MODES)('in %s mode', (mode) => {
    let api: ResourceApp;
    beforeAll(async () => {
      api = await startResource(adapter, options(mode));
    });
    afterAll(() => api.close());

    it('lets a @Public() route through without a token', async () => {
      const res = await get(api, '/public');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true });
    });

    it('answers 401 with a challenge without an error attribute when no token is sent', async () => {
      const res = await get(api, '/me');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="resource-api"');
      expect(res.body).toMatchObject({ statusCode: 401 });
    });

    it('answers 401 invalid_token to a forged token and to a refresh token', async () => {
      const { refresh_token } = await newUser();
      for (const token of ['not-a-token', refresh_token]) {
        const res = await get(api, '/me', token);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="resource-api", error="invalid_token"');
      }
    });

    it('serves a valid Warden token and hands the caller to the handler', async () => {
      const { access_token } = await newUser();
      const res = await get(api, '/me', access_token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: decodeJwt(access_token).sub, scopes: ['profile'], acr: 'aal1' });
    });

    it('answers 403 insufficient_scope (RFC 6750) when the token lacks the scope', async () => {
      const res = await get(api, '/reports', (await newUser()).access_token);
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="resource-api", error="insufficient_scope", scope="users:read"',
      );
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: 'The access token lacks the users:read scope',
      });
      const admin = await login(http, adminEmail);
      expect((await get(api, '/reports', admin.access_token)).status).toBe(200);
    });

    it('answers 403 when the token lacks a role named by @Roles()', async () => {
      expect((await get(api, '/admin', (await newUser()).access_token)).status).toBe(403);
      expect((await get(api, '/admin', (await login(http, adminEmail)).access_token)).status).toBe(200);
    });

    it('answers an aal1 token on an @RequireAal("aal2") route with the RFC 9470 challenge', async () => {
      const res = await get(api, '/step-up', (await newUser()).access_token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(STEP_UP);
      expect(res.body).toMatchObject({ statusCode: 401, message: 'This route requires a session at aal2' });
    });

    it('refuses tokens when the API expects another audience or issuer', async () => {
      const { access_token } = await newUser();
      const otherAudience = await startResource(adapter, options(mode, { audience: 'billing-api' }));
      const otherIssuer = await startResource(adapter, options(mode, { issuer: 'https://auth.example.com' }));
      try {
        for (const other of [otherAudience, otherIssuer]) {
          const res = await get(other, '/me', access_token);
          expect(res.status).toBe(401);
          expect(res.headers.get('www-authenticate')).toBe('Bearer realm="resource-api", error="invalid_token"');
        }
        expect((await get(api, '/me', access_token)).status).toBe(200);
      } finally {
        await otherAudience.close();
        await otherIssuer.close();
      }
    });
  });

  describe('after a logout on Warden', () => {
    it('introspect mode refuses the token once the 1 s cached answer expires; jwt mode accepts it until exp', async () => {
      const introspecting = await startResource(adapter, options('introspect'));
      const verifying = await startResource(adapter, options('jwt'));
      try {
        const { access_token } = await newUser();
        expect((await get(introspecting, '/me', access_token)).status).toBe(200);
        expect((await get(verifying, '/me', access_token)).status).toBe(200);
        expect((await http.post('/auth/logout', { token: access_token })).status).toBe(204);
        await sleep(1100);
        const refused = await get(introspecting, '/me', access_token);
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="resource-api", error="invalid_token"');
        // A signature stays valid until `exp`: this is the difference the two modes make.
        expect((await get(verifying, '/me', access_token)).status).toBe(200);
      } finally {
        await introspecting.close();
        await verifying.close();
      }
    });
  });
});

describe('WardenAuthGuard in jwt mode, on tokens Warden did not issue as such', () => {
  let api: ResourceApp;
  beforeAll(async () => {
    api = await startResource('fastify', options('jwt'));
  });
  afterAll(() => api.close());

  it('lets an aal2 token (acr claim) through an @RequireAal("aal2") route', async () => {
    const res = await get(api, '/step-up', await signLikeWarden({ acr: 'aal2' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stepped_up: true });
  });

  it('refuses an expired token, a token not typed at+jwt and an HS256 token', async () => {
    const past = Math.floor(Date.now() / 1000) - 600;
    const hs256 = await new SignJWT({ scope: 'profile' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('someone')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const tokens = [
      await signLikeWarden({}, {}, { iat: past - 60, exp: past }),
      await signLikeWarden({}, { typ: 'JWT' }),
      hs256,
    ];
    for (const token of tokens) {
      const res = await get(api, '/me', token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="resource-api", error="invalid_token"');
    }
    expect((await get(api, '/me', await signLikeWarden({}))).status).toBe(200);
  });
});

describe('WardenAuthGuard when Warden cannot be reached', () => {
  it.each(MODES)('answers 503 in %s mode, never accepting the token', async (mode) => {
    const unreachable = 'http://127.0.0.1:1';
    const api = await startResource(
      'express',
      options(mode, {
        jwksUrl: `${unreachable}/.well-known/jwks.json`,
        introspection: { url: `${unreachable}/auth/introspect`, secret: SECRET },
      }),
    );
    try {
      const res = await get(api, '/me', (await newUser()).access_token);
      expect(res.status).toBe(503);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(res.body).toMatchObject({ statusCode: 503 });
    } finally {
      await api.close();
    }
  });
});
