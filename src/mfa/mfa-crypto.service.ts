import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { mfaKeys } from './mfa-keys.js';
import { hashRecoveryCode } from './recovery-codes.js';
import { SecretBox } from './secret-box.js';

/** The keys of the MFA module, built once: TOTP secrets sealed, recovery codes hashed. */
@Injectable()
export class MfaCrypto {
  private readonly box: SecretBox;
  private readonly recoveryCodeKey: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const keys = mfaKeys(config);
    this.box = new SecretBox(keys.secretKey);
    this.recoveryCodeKey = keys.recoveryCodeKey;
  }

  sealSecret(secret: string): string {
    return this.box.seal(secret);
  }

  /** Null when the value no longer opens (the key changed): the factor cannot match any code. */
  openSecret(sealed: string): string | null {
    try {
      return this.box.open(sealed);
    } catch {
      return null;
    }
  }

  recoveryCodeHash(normalized: string): string {
    return hashRecoveryCode(this.recoveryCodeKey, normalized);
  }
}
