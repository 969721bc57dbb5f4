import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { algorithmOf } from './jwt-keys.service.js';

const pem = (kind: string, options: object = {}) =>
  generateKeyPairSync(kind as 'ec', {
    ...(options as { namedCurve: string }),
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;

describe('algorithmOf', () => {
  it.each([
    ['an RSA key', pem('rsa', { modulusLength: 2048 }), 'RS256'],
    ['an EC P-256 key', pem('ec', { namedCurve: 'P-256' }), 'ES256'],
    ['an Ed25519 key', pem('ed25519'), 'EdDSA'],
    ['an EC P-384 key', pem('ec', { namedCurve: 'P-384' }), undefined],
    ['an Ed448 key', pem('ed448'), undefined],
  ])('pins %s to %s', (_name, key, algorithm) => {
    expect(algorithmOf(createPrivateKey(key))).toBe(algorithm);
  });
});
