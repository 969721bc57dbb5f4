import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { calculateJwkThumbprint, type CryptoKey, exportJWK, importPKCS8, importSPKI, type JWK } from 'jose';
import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
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

/** The one JWS algorithm a key may be used with (RSA → RS256, P-256 → ES256, Ed25519 → EdDSA). */
export function algorithmOf(key: KeyObject): JwtAlgorithm | undefined {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

/**
 * Signing key and the set of verification keys by `kid` (RFC 7638 thumbprints): the current
 * key plus retired ones (JWT_PREVIOUS_SECRETS / JWT_PREVIOUS_PUBLIC_KEYS_FILE) that keep
 * verifying until their tokens expire. Each key is pinned to its own algorithm, so a token is
 * only accepted when its `alg` is the one of the key its `kid` names: the classic confusion (an
 * HS256 token "signed" with a published public key) cannot match. A retired key may have another
 * algorithm than the current one (moving from HS256 to ES256, say). Public keys are published as
 * JWKS; secrets never are.
 */
@Injectable()
export class JwtKeysService implements OnModuleInit {
  readonly algorithm: JwtAlgorithm;
  private signingKey!: VerifyKey;
  private signingKid!: string;
  private hmacKey?: KeyObject;
  private readonly verifyKeys = new Map<string, { key: VerifyKey; alg: JwtAlgorithm }>();
  private readonly publicJwks: PublicJwk[] = [];
  private allAlgorithms: JwtAlgorithm[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.algorithm = config.jwt.algorithm;
  }

  async onModuleInit(): Promise<void> {
    const { jwt } = this.config;
    if (this.algorithm === 'HS256') {
      const secret = new Uint8Array(Buffer.from(jwt.secret!, 'utf8'));
      const signing = await this.addSecret(secret);
      this.signingKid = signing.kid;
      this.signingKey = signing.key;
      this.hmacKey = createSecretKey(secret);
    } else {
      const privateKey = createPrivateKey(jwt.privateKeyPem!);
      const keyAlgorithm = algorithmOf(privateKey);
      if (keyAlgorithm !== this.algorithm) {
        throw new Error(
          `JWT_PRIVATE_KEY is a ${privateKey.asymmetricKeyType ?? 'unknown'} key that cannot sign ${this.algorithm}` +
            ' (RS256: RSA, ES256: EC P-256, EdDSA: Ed25519)',
        );
      }
      this.signingKey = await importPKCS8(jwt.privateKeyPem!, this.algorithm, { extractable: false });
      const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
      this.signingKid = await this.addPublicKey(publicPem);
    }
    for (const secret of jwt.previousSecrets) await this.addSecret(new Uint8Array(Buffer.from(secret, 'utf8')));
    for (const pem of splitPemBlocks(jwt.previousPublicKeysPem ?? '')) await this.addPublicKey(pem);
    this.allAlgorithms = [...new Set([...this.verifyKeys.values()].map((entry) => entry.alg))];
  }

  // Imported once as a WebCrypto key: handed raw bytes, jose imports them again on every sign
  // and verify (a measurable share of an authenticated request).
  private async addSecret(secret: Uint8Array): Promise<{ kid: string; key: CryptoKey }> {
    const kid = await calculateJwkThumbprint({ kty: 'oct', k: Buffer.from(secret).toString('base64url') });
    const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    this.verifyKeys.set(kid, { key, alg: 'HS256' });
    return { kid, key };
  }

  private async addPublicKey(pem: string): Promise<string> {
    const alg = algorithmOf(createPublicKey(pem));
    if (!alg) throw new Error('JWT_PREVIOUS_PUBLIC_KEYS_FILE holds a key that is not RSA, EC P-256 or Ed25519');
    const key = await importSPKI(pem, alg, { extractable: true });
    const jwk = await exportJWK(key);
    const kid = await calculateJwkThumbprint(jwk);
    if (this.verifyKeys.has(kid)) return kid;
    this.verifyKeys.set(kid, { key, alg });
    this.publicJwks.push({ ...jwk, kid, use: 'sig', alg });
    return kid;
  }

  /** `hmac`: under HS256, the secret as a node:crypto key, for signing without WebCrypto (AccessTokenService). */
  get signing(): { key: VerifyKey; kid: string; hmac?: KeyObject } {
    return { key: this.signingKey, kid: this.signingKid, hmac: this.hmacKey };
  }

  /** Every algorithm some verification key uses. */
  get algorithms(): JwtAlgorithm[] {
    return this.allAlgorithms;
  }

  /** The key `kid` names, only when `alg` is the one it is pinned to. */
  verificationKey(kid: unknown, alg: unknown): VerifyKey | undefined {
    const entry = typeof kid === 'string' ? this.verifyKeys.get(kid) : undefined;
    return entry && entry.alg === alg ? entry.key : undefined;
  }

  /** `{"keys": []}` under HS256: a shared secret is never published. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.publicJwks };
  }
}
