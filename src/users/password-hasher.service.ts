import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ConcurrencyLimit } from './concurrency-limit.js';

const BCRYPT_PREFIX = /^\$2[aby]\$\d\d\$/;

export interface VerifyResult {
  valid: boolean;
  /** True when the stored hash should be replaced by a fresh argon2id hash. */
  needsRehash: boolean;
}

/**
 * How many argon2 computations may run at once: one per core (more cannot go faster), and always
 * one thread of libuv's pool left for the short jobs queued behind them (jose's HS256 signatures
 * and verifications run there too; behind a queue of hashes, every authenticated request would
 * wait for logins). The start scripts size the pool to cores + 2.
 */
export function argon2Concurrency(cores: number, threadpoolSize: number): number {
  return Math.max(1, Math.min(cores, threadpoolSize - 1));
}

/** argon2id hashing with configurable cost; verifies legacy bcrypt (passlib/Flask-bcrypt) too. */
@Injectable()
export class PasswordHasherService implements OnModuleInit {
  private dummyHash = '';
  private readonly argon2Slots: ConcurrencyLimit;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.argon2Slots = new ConcurrencyLimit(argon2Concurrency(availableParallelism(), config.threadpoolSize));
  }

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
    return this.argon2Slots.run(() => argon2.hash(password, this.options));
  }

  async verify(hash: string, password: string): Promise<VerifyResult> {
    if (BCRYPT_PREFIX.test(hash)) {
      const valid = await bcrypt.compare(password, hash);
      return { valid, needsRehash: valid };
    }
    if (!hash.startsWith('$argon2')) return { valid: false, needsRehash: false };
    try {
      const valid = await this.argon2Slots.run(() => argon2.verify(hash, password));
      return { valid, needsRehash: valid && argon2.needsRehash(hash, this.options) };
    } catch {
      return { valid: false, needsRehash: false };
    }
  }

  /** Spends the same time as a real verify, so an unknown account is not told apart by timing. */
  async verifyDummy(password: string): Promise<void> {
    await this.argon2Slots.run(() => argon2.verify(this.dummyHash, password)).catch(() => false);
  }
}
