import { decodeJwt, decodeProtectedHeader } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from '../config/app-config.js';
import { AccessTokenService } from './access-token.service.js';
import { JwtKeysService } from './jwt-keys.service.js';

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnop';
const subject = {
  userId: 'u1',
  sessionId: 's1',
  email: 'alice@example.com',
  roles: ['user' as const],
  scopes: ['profile'],
  acr: 'aal2',
  amr: ['pwd', 'otp', 'mfa'],
  authTime: new Date(1_767_269_700_000),
};

async function tokens(env: Record<string, string>): Promise<AccessTokenService> {
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const keys = new JwtKeysService(config);
  await keys.onModuleInit();
  return new AccessTokenService(config, keys);
}

describe('AccessTokenService.sign', () => {
  it.each([
    ['HS256', { JWT_SECRET: SECRET }],
    [
      'ES256',
      {
        JWT_ALGORITHM: 'ES256',
        JWT_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      },
    ],
  ])('issues %s tokens that verify, with every claim of an access token', async (alg, env) => {
    const service = await tokens(env);
    const token = await service.sign(subject);
    expect(decodeProtectedHeader(token)).toEqual({ alg, typ: 'at+jwt', kid: expect.any(String) });
    const claims = await service.verify(token);
    expect(claims).toEqual({
      sid: 's1',
      scope: 'profile',
      roles: ['user'],
      email: 'alice@example.com',
      acr: 'aal2',
      amr: ['pwd', 'otp', 'mfa'],
      auth_time: 1_767_269_700,
      iss: 'http://localhost:3000',
      aud: 'warden',
      sub: 'u1',
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: expect.any(Number),
      exp: claims.iat! + 900,
    });
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(5);
    expect(decodeJwt(await service.sign(subject)).jti).not.toBe(claims.jti);
  });
});
