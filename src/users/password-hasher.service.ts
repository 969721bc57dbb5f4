import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

const BCRYPT_PREFIX = /^\$2[aby]\$\d\d\$/;

export interface VerifyResult {
  valid: boolean;
  /** True when the stored hash should be replaced by a fresh argon2id hash. */
  needsRehash: boolean;
}

/** argon2id hashing with configurable cost; verifies legacy bcrypt (passlib/Flask-bcrypt) too. */
@Injectable()
export class PasswordHasherService implements OnModuleInit {
  private dummyHash = '';

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(16).toString('hex'));
  }

  private get options() {
    return {
      type: argon2.argon2id as 2,
      memoryCost: this.config.argon2.memoryKib,
      timeCost: this.config.argon2.timeCost,
      parallelism: this.config.argon2.parallelism,
    };
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  async verify(hash: string, password: string): Promise<VerifyResult> {
    if (BCRYPT_PREFIX.test(hash)) {
      const valid = await bcrypt.compare(password, hash);
      return { valid, needsRehash: valid };
    }
    if (!hash.startsWith('$argon2')) return { valid: false, needsRehash: false };
    try {
      const valid = await argon2.verify(hash, password);
      return { valid, needsRehash: valid && argon2.needsRehash(hash, this.options) };
    } catch {
      return { valid: false, needsRehash: false };
    }
  }

  /** Spends the same time as a real verify, so an unknown account is not told apart by timing. */
  async verifyDummy(password: string): Promise<void> {
    await argon2.verify(this.dummyHash, password).catch(() => false);
  }
}
