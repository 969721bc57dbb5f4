import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { sha256Hex } from '../common/secrets.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ACCOUNT_MAX_FAILURES } from './backoff.js';
import { clientAddress } from './client-address.js';
import { LimitsRedis } from './limits-redis.js';
import type { LoginThrottleStore, ThrottleCounter } from './login-throttle.store.js';
import { PgLoginThrottleStore } from './pg-login-throttle.store.js';
import { RedisLoginThrottleStore } from './redis-login-throttle.store.js';
import { AttemptsUnavailableError, ThrottledAttempt, TooManyAttemptsError } from './throttled-attempt.js';

/** How long an attempt waits for a verification slot before it is refused (429). */
const SLOT_WAIT_MS = 10_000;
const SLOT_POLL_MS = 20;

/**
 * The brute-force defence of every password check (logins and the re-checks of the account
 * routes). Two counters per attempt: (identifier as typed, address) with LOGIN_MAX_FAILURES,
 * so that a known and an unknown identifier answer alike; and the account, all addresses
 * together, with 100, so that a distributed attack stalls while one attacker cannot lock the
 * owner out from the owner's own address.
 */
@Injectable()
export class LoginThrottleService {
  private readonly store: LoginThrottleStore;
  private readonly logger = new Logger('LoginThrottle');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() dataSource: DataSource,
    redis: LimitsRedis,
  ) {
    const policy = { base: config.loginBackoffBase, cap: config.loginBackoffMax };
    this.store = redis.client
      ? new RedisLoginThrottleStore(redis.client, policy)
      : new PgLoginThrottleStore(dataSource, policy);
  }

  /**
   * `identifier` is the normalised email or username as typed; `accountId` the account it names
   * (null when it names none: the identifier then stands for the account).
   */
  countersFor(identifier: string, accountId: string | null, ip: string | null | undefined): ThrottleCounter[] {
    const account = sha256Hex(accountId ? `account:user:${accountId}` : `account:login:${identifier}`);
    return [
      { id: account, group: account, threshold: ACCOUNT_MAX_FAILURES },
      {
        id: sha256Hex(`ip:${identifier}\n${clientAddress(ip)}`),
        group: account,
        threshold: this.config.loginMaxFailures,
      },
    ];
  }

  /**
   * A verification slot for one attempt: 429 while a wait runs; while the slots the back-off
   * has left are all taken by attempts in flight, it waits for one (up to SLOT_WAIT_MS).
   */
  async begin(counters: ThrottleCounter[]): Promise<ThrottledAttempt> {
    const deadline = Date.now() + SLOT_WAIT_MS;
    for (;;) {
      const reservation = await this.store.reserve(counters).catch((err: unknown) => {
        this.logger.error({ err }, 'Login counters unavailable; password check refused');
        throw new AttemptsUnavailableError();
      });
      if (reservation.outcome === 'verify') return new ThrottledAttempt(this.store, counters);
      if (reservation.outcome === 'wait') throw new TooManyAttemptsError(reservation.retryAfter);
      if (Date.now() >= deadline) throw new TooManyAttemptsError(1);
      await sleep(SLOT_POLL_MS + Math.random() * SLOT_POLL_MS);
    }
  }

  /**
   * A password re-check (account routes): check-and-count, verify, reset on success. Throws
   * 429 while the back-off runs, also for the right password.
   */
  async checkPassword(
    identifier: string,
    accountId: string,
    ip: string | null | undefined,
    verify: () => Promise<boolean>,
  ): Promise<boolean> {
    const attempt = await this.begin(this.countersFor(identifier, accountId, ip));
    let valid: boolean;
    try {
      valid = await verify();
    } catch (error) {
      await attempt.release();
      throw error;
    }
    await (valid ? attempt.reset() : attempt.fail());
    return valid;
  }
}
