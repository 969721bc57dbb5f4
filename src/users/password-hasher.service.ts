import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { BcryptWorkers } from './bcrypt-workers.js';
import { bcryptCost, MAX_BCRYPT_COST } from './hash-costs.js';
import { ConcurrencyLimit } from './concurrency-limit.js';

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
export class PasswordHasherService implements OnModuleInit, OnModuleDestroy {
  private dummyHash = '';
  private readonly argon2Slots: ConcurrencyLimit;
  private readonly bcrypt = new BcryptWorkers();
  /** A running average of argon2 verify times: the floor of a bcrypt verify (see verifyBcrypt). */
  private argon2VerifyMs = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.argon2Slots = new ConcurrencyLimit(argon2Concurrency(availableParallelism(), config.threadpoolSize));
  }

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(16).toString('hex'));
  }

  async onModuleDestroy(): Promise<void> {
    await this.bcrypt.close();
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

  /** A null hash (an account without a password) is a wrong password, after a dummy verify's time. */
  async verify(hash: string | null, password: string): Promise<VerifyResult> {
    if (hash === null) {
      await this.verifyDummy(password);
      return { valid: false, needsRehash: false };
    }
    const cost = bcryptCost(hash);
    if (cost !== null) {
      const valid = await this.verifyBcrypt(hash, cost, password);
      return { valid, needsRehash: valid };
    }
    if (!hash.startsWith('$argon2')) return { valid: false, needsRehash: false };
    try {
      const valid = await this.argon2Slots.run(() => this.timedArgon2(hash, password));
      return { valid, needsRehash: valid && argon2.needsRehash(hash, this.options) };
    } catch {
      return { valid: false, needsRehash: false };
    }
  }

  /** Spends the same time as a real verify, so an unknown account is not told apart by timing. */
  async verifyDummy(password: string): Promise<void> {
    await this.argon2Slots.run(() => this.timedArgon2(this.dummyHash, password)).catch(() => false);
  }

  /**
   * Legacy bcrypt, in a worker thread under the same bound as argon2. A cost above
   * MAX_BCRYPT_COST is a wrong password, after the dummy argon2 verify (the path of an unknown
   * account). A cheap bcrypt hash answers no sooner than an argon2 verify usually takes, so that
   * timing does not single out imported accounts (a costlier one still takes longer, until the
   * first login upgrades it to argon2id).
   */
  private async verifyBcrypt(hash: string, cost: number, password: string): Promise<boolean> {
    if (cost > MAX_BCRYPT_COST) {
      await this.verifyDummy(password);
      return false;
    }
    let floor = 0;
    const valid = await this.argon2Slots.run(() => {
      floor = performance.now() + this.argon2VerifyMs;
      return this.bcrypt.compare(password, hash).catch(() => false);
    });
    // The padding waits outside the slot: it costs no CPU and holds no hashing thread.
    const left = floor - performance.now();
    if (left > 1) await new Promise((resolve) => setTimeout(resolve, left));
    return valid;
  }

  private async timedArgon2(hash: string, password: string): Promise<boolean> {
    const start = performance.now();
    try {
      return await argon2.verify(hash, password);
    } finally {
      const ms = performance.now() - start;
      this.argon2VerifyMs = this.argon2VerifyMs === 0 ? ms : this.argon2VerifyMs * 0.9 + ms * 0.1;
    }
  }
}
