import { hkdfSync } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';

export interface MfaKeys {
  /** AES-256-GCM key of the TOTP secrets. */
  secretKey: Buffer;
  /** HMAC-SHA256 key of the recovery codes. */
  recoveryCodeKey: Buffer;
}

function derive(material: string | Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, 'warden', info, 32));
}

/**
 * With MFA_ENCRYPTION_KEY set, it encrypts the secrets and the recovery-code key is derived from
 * it; unset, both are derived (HKDF-SHA256, each its own `info`) from the JWT signing secret or
 * private key, so that rotating that key makes every enrolled factor and recovery code unusable:
 * hence the advice to set MFA_ENCRYPTION_KEY before ever rotating it.
 */
export function mfaKeys(config: AppConfig): MfaKeys {
  const configured = config.mfa.encryptionKey;
  if (configured) {
    return { secretKey: configured, recoveryCodeKey: derive(configured, 'warden/mfa-recovery-code-hmac/v1') };
  }
  const material = config.jwt.secret ?? config.jwt.privateKeyPem;
  if (!material) throw new Error('No JWT secret or private key to derive the MFA keys from');
  return {
    secretKey: derive(material, 'warden/mfa-secret-aes-gcm/v1'),
    recoveryCodeKey: derive(material, 'warden/mfa-recovery-code-hmac/v1'),
  };
}
