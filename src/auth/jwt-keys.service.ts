import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { calculateJwkThumbprint, type CryptoKey, exportJWK, importPKCS8, importSPKI, type JWK } from 'jose';
import { createPublicKey } from 'node:crypto';
import { type AppConfig, type JwtAlgorithm } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

type VerifyKey = CryptoKey | Uint8Array;

export interface PublicJwk extends JWK {
  kid: string;
  use: 'sig';
  alg: JwtAlgorithm;
}

function splitPemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
}

/**
 * Signing key and the set of verification keys by `kid` (RFC 7638 thumbprints): the current
 * key plus retired ones (JWT_PREVIOUS_SECRETS / JWT_PREVIOUS_PUBLIC_KEYS_FILE) that keep
 * verifying until their tokens expire. Asymmetric public keys are published as JWKS.
 */
@Injectable()
export class JwtKeysService implements OnModuleInit {
  readonly algorithm: JwtAlgorithm;
  private signingKey!: VerifyKey;
  private signingKid!: string;
  private readonly verifyKeys = new Map<string, VerifyKey>();
  private readonly publicJwks: PublicJwk[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.algorithm = config.jwt.algorithm;
  }

  async onModuleInit(): Promise<void> {
    const { jwt } = this.config;
    if (this.algorithm === 'HS256') {
      const [current, ...previous] = [jwt.secret!, ...jwt.previousSecrets].map(
        (s) => new Uint8Array(Buffer.from(s, 'utf8')),
      );
      const signing = await this.addSecret(current);
      this.signingKid = signing.kid;
      this.signingKey = signing.key;
      for (const key of previous) await this.addSecret(key);
      return;
    }
    const privateKey = await importPKCS8(jwt.privateKeyPem!, this.algorithm, { extractable: false });
    const publicPem = createPublicKey(jwt.privateKeyPem!).export({ type: 'spki', format: 'pem' }).toString();
    this.signingKid = await this.addPublicKey(publicPem);
    this.signingKey = privateKey;
    for (const pem of splitPemBlocks(jwt.previousPublicKeysPem ?? '')) await this.addPublicKey(pem);
  }

  // Imported once as a WebCrypto key: handed raw bytes, jose imports them again on every sign
  // and verify (a measurable share of an authenticated request).
  private async addSecret(secret: Uint8Array): Promise<{ kid: string; key: CryptoKey }> {
    const kid = await calculateJwkThumbprint({ kty: 'oct', k: Buffer.from(secret).toString('base64url') });
    const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    this.verifyKeys.set(kid, key);
    return { kid, key };
  }

  private async addPublicKey(pem: string): Promise<string> {
    const key = await importSPKI(pem, this.algorithm, { extractable: true });
    const jwk = await exportJWK(key);
    const kid = await calculateJwkThumbprint(jwk);
    this.verifyKeys.set(kid, key);
    this.publicJwks.push({ ...jwk, kid, use: 'sig', alg: this.algorithm });
    return kid;
  }

  get signing(): { key: VerifyKey; kid: string } {
    return { key: this.signingKey, kid: this.signingKid };
  }

  verificationKey(kid: unknown): VerifyKey | undefined {
    return typeof kid === 'string' ? this.verifyKeys.get(kid) : undefined;
  }

  /** `{"keys": []}` under HS256: a shared secret is never published. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.publicJwks };
  }
}
