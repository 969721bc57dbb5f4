import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { JwtKeysService } from '../auth/jwt-keys.service.js';
import { loadConfig } from '../config/app-config.js';
import type { User } from '../users/user.entity.js';
import { accessTokenHash, ID_TOKEN_TTL_SECONDS, IdTokenService } from './id-token.service.js';

const ISSUER = 'https://auth.example.com';

function privateKey(kind: 'ec' | 'rsa' | 'ed25519'): string {
  const options = kind === 'ec' ? { namedCurve: 'P-256' } : kind === 'rsa' ? { modulusLength: 2048 } : {};
  return generateKeyPairSync(kind as 'ec', {
    ...(options as { namedCurve: string }),
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

const user = {
  id: '4f6c1a9e-2b7d-4d51-9a53-0f2b8f9e3c11',
  email: 'alice@example.com',
  username: 'alice',
  displayName: 'Alice Liddell',
  emailVerifiedAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-02-01T00:00:00Z'),
} as User;

const request = {
  user,
  sessionId: '0b6f1d2e-7c3a-4e59-8f10-2a4b6c8d0e12',
  clientId: '7d1f6c2a-5b3e-4a9d-8c7f-1e2d3c4b5a69',
  nonce: 'n-0S6_WzA2Mj',
  accessToken: 'eyJhbGciOiJFUzI1NiJ9.the-access-token.signature',
  acr: 'aal2',
  amr: ['pwd', 'otp', 'mfa'],
  authTime: new Date('2026-03-01T10:00:00Z'),
};

describe('IdTokenService', () => {
  let dataDir: string;
  beforeAll(() => (dataDir = mkdtempSync(join(tmpdir(), 'warden-idtoken-'))));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function service(env: Record<string, string>) {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, APP_URL: ISSUER, ...env });
    const keys = new JwtKeysService(config);
    await keys.onModuleInit();
    return { ids: new IdTokenService(config, keys), jwks: createLocalJWKSet(keys.jwks()), kid: keys.signing.kid };
  }

  it.each([
    ['ES256', 'ec'],
    ['RS256', 'rsa'],
    ['EdDSA', 'ed25519'],
  ] as const)('signs a %s id_token a relying party verifies against the JWKS', async (alg, kind) => {
    const { ids, jwks, kid } = await service({ JWT_ALGORITHM: alg, JWT_PRIVATE_KEY: privateKey(kind) });
    const before = Math.floor(Date.now() / 1000);
    const token = await ids.issue({ ...request, scopes: ['openid', 'email', 'profile'] });
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: ISSUER,
      audience: request.clientId,
      typ: 'JWT',
      algorithms: [alg],
    });
    expect(protectedHeader.kid).toBe(kid);
    expect(payload).toEqual({
      iss: ISSUER,
      sub: user.id,
      aud: request.clientId,
      iat: expect.any(Number),
      exp: payload.iat! + ID_TOKEN_TTL_SECONDS,
      auth_time: Math.floor(request.authTime.getTime() / 1000),
      nonce: request.nonce,
      acr: 'aal2',
      amr: ['pwd', 'otp', 'mfa'],
      sid: request.sessionId,
      at_hash: accessTokenHash(request.accessToken, alg),
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Liddell',
      preferred_username: 'alice',
      updated_at: Math.floor(user.updatedAt.getTime() / 1000),
    });
    expect(payload.iat).toBeGreaterThanOrEqual(before);
  });

  it('releases the user claims by scope, and leaves out nonce when none was given', async () => {
    const { ids, jwks } = await service({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: privateKey('ec') });
    const bare = await ids.issue({ ...request, nonce: undefined, scopes: ['openid'] });
    const { payload } = await jwtVerify(bare, jwks, { issuer: ISSUER, audience: request.clientId });
    expect(Object.keys(payload).sort()).toEqual(
      ['acr', 'amr', 'at_hash', 'aud', 'auth_time', 'exp', 'iat', 'iss', 'sid', 'sub'].sort(),
    );
    const unverified = { ...user, emailVerifiedAt: null, displayName: null, username: null } as User;
    const email = await ids.issue({ ...request, user: unverified, scopes: ['openid', 'email'] });
    const claims = (await jwtVerify(email, jwks, { issuer: ISSUER, audience: request.clientId })).payload;
    expect(claims).toMatchObject({ email: 'alice@example.com', email_verified: false });
    expect(claims).not.toHaveProperty('name');
    const profile = await ids.issue({ ...request, user: unverified, scopes: ['openid', 'profile'] });
    const named = (await jwtVerify(profile, jwks, { issuer: ISSUER, audience: request.clientId })).payload;
    expect(named).not.toHaveProperty('email');
    expect(named).not.toHaveProperty('name');
    expect(named).not.toHaveProperty('preferred_username');
    expect(named.updated_at).toBe(Math.floor(user.updatedAt.getTime() / 1000));
  });

  it('has a JWT typ header and no access-token typ, so neither can pass for the other', async () => {
    const { ids } = await service({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: privateKey('ec') });
    const header = decodeProtectedHeader(await ids.issue({ ...request, scopes: ['openid'] }));
    expect(header).toMatchObject({ typ: 'JWT', alg: 'ES256' });
  });

  it('refuses to issue under HS256 (no published key to verify it with)', async () => {
    const { ids } = await service({ JWT_SECRET: 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz' });
    expect(ids.enabled).toBe(false);
    expect(() => ids.issue({ ...request, scopes: ['openid'] })).toThrow(/asymmetric JWT_ALGORITHM/);
  });
});

describe('accessTokenHash (at_hash)', () => {
  // Reference values from `openssl dgst -sha256|-sha512 -binary`, first half, base64url.
  it('is the left half of SHA-256 for ES256 and RS256, of SHA-512 for EdDSA (Ed25519)', () => {
    expect(accessTokenHash('warden-access-token', 'ES256')).toBe('fRzj_vjDlf7PXkgroRWOvg');
    expect(accessTokenHash('warden-access-token', 'RS256')).toBe('fRzj_vjDlf7PXkgroRWOvg');
    expect(accessTokenHash('warden-access-token', 'EdDSA')).toBe('bk1UYJTTnX3kn_zvHe7SIxS8oukcK1uTAYkMhpJlBuo');
  });
});
