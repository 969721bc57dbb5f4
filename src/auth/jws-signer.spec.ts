import { compactVerify, decodeProtectedHeader } from 'jose';
import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JwtAlgorithm } from '../config/app-config.js';
import { JwsSigner } from './jws-signer.js';

describe('JwsSigner', () => {
  const payload = { sub: 'u1', sid: 's1', roles: ['user'], email: 'ä@example.com' };
  const secret = createSecretKey(Buffer.from('a-secret-of-at-least-thirty-two-bytes!!', 'utf8'));
  const pairs: Array<[JwtAlgorithm, KeyObject, KeyObject]> = [
    ['HS256', secret, secret],
    ['EdDSA', ...pair(generateKeyPairSync('ed25519'))],
    ['ES256', ...pair(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }))],
    ['RS256', ...pair(generateKeyPairSync('rsa', { modulusLength: 2048 }))],
  ];

  it.each(pairs)(
    '%s: jose verifies the signature; the header carries alg, typ and kid',
    async (alg, signing, verifying) => {
      const token = await new JwsSigner(alg, 'kid-1', signing).sign({ typ: 'at+jwt' }, payload);
      expect(decodeProtectedHeader(token)).toEqual({ alg, typ: 'at+jwt', kid: 'kid-1' });
      const { payload: bytes } = await compactVerify(token, verifying, { algorithms: [alg] });
      expect(JSON.parse(Buffer.from(bytes).toString('utf8'))).toEqual(payload);
    },
  );

  it('produces a signature that fails for a changed payload', async () => {
    const token = await new JwsSigner('HS256', 'k', secret).sign({}, payload);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...payload, roles: ['admin'] })).toString('base64url')}.${signature}`;
    await expect(compactVerify(forged, secret)).rejects.toThrow();
  });
});

function pair({ privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject }): [KeyObject, KeyObject] {
  return [privateKey, publicKey];
}
