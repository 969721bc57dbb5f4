import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resetDatabase, startApp, TEST_JWT_SECRET, type TestApp } from './support/app.js';
import { client } from './support/http.js';

const PASSWORD = 'correct horse battery staple';

function keyPair(kind: 'ec' | 'rsa' | 'ed25519') {
  const options = kind === 'ec' ? { namedCurve: 'P-256' } : kind === 'rsa' ? { modulusLength: 2048 } : {};
  const { privateKey, publicKey } = generateKeyPairSync(kind as 'ec', {
    ...(options as { namedCurve: string }),
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey, publicKey };
}

async function thumbprint(publicPem: string): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(createPublicKey(publicPem)));
}

let n = 0;
async function login(t: TestApp) {
  const email = `keys${++n}@example.com`;
  const http = client(t.url);
  if ((await http.post('/auth/register', { json: { email, password: PASSWORD } })).status !== 201) {
    throw new Error('register failed');
  }
  const res = await http.post('/auth/token', { form: { grant_type: 'password', username: email, password: PASSWORD } });
  return res.body as { access_token: string; refresh_token: string };
}

const me = (t: TestApp, token: string) => client(t.url).get('/users/me', { token });

describe('ES256 signing keys', () => {
  const a = keyPair('ec');
  const b = keyPair('ec');
  let appA: TestApp;
  let tokenA: string;

  beforeAll(async () => {
    await resetDatabase();
    appA = await startApp({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: a.privateKey });
    tokenA = (await login(appA)).access_token;
  });
  afterAll(() => appA.close());

  it('publishes the public key in the JWKS, kid = RFC 7638 thumbprint, and signs with it', async () => {
    const res = await client(appA.url).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    const kid = await thumbprint(a.publicKey);
    expect(res.body).toEqual({
      keys: [{ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid, use: 'sig', alg: 'ES256' }],
    });
    expect(decodeProtectedHeader(tokenA)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid });
    expect((await me(appA, tokenA)).status).toBe(200);
  });

  it("verifies with jose's createRemoteJWKSet against our JWKS URL", async () => {
    const jwks = createRemoteJWKSet(new URL(`${appA.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(tokenA, jwks, {
      issuer: 'http://localhost:3000',
      audience: 'warden',
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.sid).toBe(decodeJwt(tokenA).sid);
  });

  it('refuses an HS256 token signed with the public key (PEM text) as the HMAC secret', async () => {
    const claims = decodeJwt(tokenA);
    const kid = await thumbprint(a.publicKey);
    for (const header of [
      { alg: 'HS256', typ: 'at+jwt', kid },
      { alg: 'HS256', typ: 'at+jwt' },
    ]) {
      const forged = await new SignJWT(claims).setProtectedHeader(header).sign(new TextEncoder().encode(a.publicKey));
      const res = await me(appA, forged);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');
    }
  });

  it('refuses alg none and a token signed by an unknown key under a known kid', async () => {
    const claims = decodeJwt(tokenA);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'at+jwt', kid: await thumbprint(a.publicKey) })}.${b64(claims)}.`;
    expect((await me(appA, none)).status).toBe(401);
    const { importPKCS8 } = await import('jose');
    const stranger = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: await thumbprint(a.publicKey) })
      .sign(await importPKCS8(b.privateKey, 'ES256'));
    expect((await me(appA, stranger)).status).toBe(401);
  });

  it('after rotating to key B, tokens signed by A still verify (JWT_PREVIOUS_PUBLIC_KEYS_FILE) and A stays published', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-keys-'));
    const previous = join(dir, 'previous.pem');
    writeFileSync(previous, `${a.publicKey}\n${keyPair('rsa').publicKey}`);
    // The "restart": a new instance on the same database with the new key.
    const appB = await startApp({
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEY: b.privateKey,
      JWT_PREVIOUS_PUBLIC_KEYS_FILE: previous,
    });
    const withoutPrevious = await startApp({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: b.privateKey });
    try {
      expect((await me(appB, tokenA)).status).toBe(200);
      expect((await me(withoutPrevious, tokenA)).status).toBe(401);
      const tokenB = (await login(appB)).access_token;
      const kidB = await thumbprint(b.publicKey);
      expect(decodeProtectedHeader(tokenB).kid).toBe(kidB);
      expect((await me(appB, tokenB)).status).toBe(200);
      const jwks = (await client(appB.url).get('/.well-known/jwks.json')).body;
      expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([
        kidB,
        await thumbprint(a.publicKey),
        expect.any(String),
      ]);
      expect(jwks.keys.map((k: { alg: string }) => k.alg)).toEqual(['ES256', 'ES256', 'RS256']);
      const remote = createRemoteJWKSet(new URL(`${appB.url}/.well-known/jwks.json`));
      for (const token of [tokenA, tokenB]) {
        await expect(
          jwtVerify(token, remote, { issuer: 'http://localhost:3000', audience: 'warden' }),
        ).resolves.toBeDefined();
      }
    } finally {
      await withoutPrevious.close();
      await appB.close();
    }
  });
});

describe.each([
  ['RS256', 'rsa', 'RSA'],
  ['EdDSA', 'ed25519', 'OKP'],
] as const)('%s end to end', (algorithm, kind, kty) => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEY: keyPair(kind).privateKey });
  });
  afterAll(() => t.close());

  it('signs, verifies, refreshes, and publishes the key', async () => {
    const tokens = await login(t);
    expect(decodeProtectedHeader(tokens.access_token).alg).toBe(algorithm);
    expect((await me(t, tokens.access_token)).status).toBe(200);
    const refreshed = await client(t.url).post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
    });
    expect((await me(t, refreshed.body.access_token)).status).toBe(200);
    const jwks = (await client(t.url).get('/.well-known/jwks.json')).body;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty, alg: algorithm, use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    const remote = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
    await expect(jwtVerify(tokens.access_token, remote, { audience: 'warden' })).resolves.toBeDefined();
  });
});

describe('HS256 rotation', () => {
  const OLD = TEST_JWT_SECRET;
  const NEW = 'a-brand-new-secret-0123456789-ABCDEFGHIJKLMNOP';

  it('keeps tokens of JWT_PREVIOUS_SECRETS valid, publishes no key, and survives a move to ES256', async () => {
    await resetDatabase();
    const old = await startApp({ JWT_SECRET: OLD });
    const rotated = await startApp({ JWT_SECRET: NEW, JWT_PREVIOUS_SECRETS: OLD });
    const unaware = await startApp({ JWT_SECRET: NEW });
    const es = keyPair('ec');
    const moved = await startApp({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: es.privateKey, JWT_PREVIOUS_SECRETS: OLD });
    try {
      const token = (await login(old)).access_token;
      expect((await me(rotated, token)).status).toBe(200);
      expect((await me(unaware, token)).status).toBe(401);
      expect((await me(moved, token)).status).toBe(200);
      expect((await client(rotated.url).get('/.well-known/jwks.json')).body).toEqual({ keys: [] });
      // Under ES256 with an HMAC secret still accepted, the public key is still no HMAC secret.
      const forged = await new SignJWT(decodeJwt(token))
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: await thumbprint(es.publicKey) })
        .sign(new TextEncoder().encode(es.publicKey));
      expect((await me(moved, forged)).status).toBe(401);
      expect((await client(moved.url).get('/.well-known/jwks.json')).body.keys).toHaveLength(1);
    } finally {
      await moved.close();
      await unaware.close();
      await rotated.close();
      await old.close();
    }
  });
});

describe('GET /.well-known/oauth-authorization-server (RFC 8414)', () => {
  it('describes the endpoints, and lists introspection only when it is enabled', async () => {
    await resetDatabase();
    const t = await startApp({ INTROSPECTION_SECRET: 'introspection-secret-0123456789-abcdef' });
    const plain = await startApp();
    try {
      const res = await client(t.url).get('/.well-known/oauth-authorization-server');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        issuer: 'http://localhost:3000',
        authorization_endpoint: 'http://localhost:3000/oauth/authorize',
        token_endpoint: 'http://localhost:3000/auth/token',
        jwks_uri: 'http://localhost:3000/.well-known/jwks.json',
        scopes_supported: ['profile', 'users:read', 'users:write', 'clients:read', 'clients:write'],
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        grant_types_supported: [
          'password',
          'refresh_token',
          'urn:warden:params:oauth:grant-type:mfa-otp',
          'urn:warden:params:oauth:grant-type:mfa-recovery-code',
          'urn:warden:params:oauth:grant-type:passkey',
          'urn:warden:params:oauth:grant-type:mfa-passkey',
          'authorization_code',
          'client_credentials',
        ],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        revocation_endpoint: 'http://localhost:3000/auth/revoke',
        revocation_endpoint_auth_methods_supported: ['none'],
        introspection_endpoint: 'http://localhost:3000/auth/introspect',
        service_documentation: 'http://localhost:3000/docs',
      });
      const without = await client(plain.url).get('/.well-known/oauth-authorization-server');
      expect(without.body.introspection_endpoint).toBeUndefined();
    } finally {
      await plain.close();
      await t.close();
    }
  });

  it('refuses to start with a private key of the wrong type for JWT_ALGORITHM', async () => {
    await expect(startApp({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: keyPair('rsa').privateKey })).rejects.toThrow(
      /cannot sign ES256/,
    );
  });
});
