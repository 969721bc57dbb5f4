import { createHmac, type KeyObject, sign } from 'node:crypto';
import type { JwtAlgorithm } from '../config/app-config.js';

/**
 * Compact JWS signing with node:crypto. jose signs through WebCrypto, which queues every HS256
 * signature as a job on libuv's pool (behind password hashes while logins run) and costs a
 * sixth of a refresh grant's CPU; HMAC, Ed25519 and P-256 signatures take microseconds and are
 * made in place. RSA (a millisecond or more) still goes to the pool, through the async form.
 * Verification stays with jose.
 */
export class JwsSigner {
  constructor(
    readonly alg: JwtAlgorithm,
    readonly kid: string,
    private readonly key: KeyObject,
  ) {}

  async sign(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
    const input = `${base64url(JSON.stringify({ alg: this.alg, ...header, kid: this.kid }))}.${base64url(JSON.stringify(payload))}`;
    const signature = await this.signature(Buffer.from(input, 'ascii'));
    return `${input}.${signature.toString('base64url')}`;
  }

  private signature(data: Buffer): Buffer | Promise<Buffer> {
    switch (this.alg) {
      case 'HS256':
        return createHmac('sha256', this.key).update(data).digest();
      case 'EdDSA':
        return sign(null, data, this.key);
      case 'ES256':
        // JWS wants r‖s (RFC 7518 §3.4), not DER.
        return sign('sha256', data, { key: this.key, dsaEncoding: 'ieee-p1363' });
      case 'RS256':
        return new Promise((resolve, reject) =>
          sign('sha256', data, this.key, (error, signature) => (error ? reject(error) : resolve(signature))),
        );
    }
  }
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
