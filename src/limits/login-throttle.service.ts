import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { sha256Hex } from '../common/secrets.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ACCOUNT_MAX_FAILURES } from './backoff.js';
import { clientAddress } from './client-address.js';
import { LimitsRedis } from './limits-redis.js';
import type { LoginThrottleStore, Reservation, ThrottleCounter } from './login-throttle.store.js';
import { PgLoginThrottleStore } from './pg-login-throttle.store.js';
import { RedisLoginThrottleStore } from './redis-login-throttle.store.js';

const PRUNE_INTERVAL_MS = 3600_000;

/**
 * Per-account brute-force defence (contract §6). `subject` names the account: `user:<id>` for
 * an existing account, so that its email and its username share one counter, or the
 * normalised login for an unknown one, which is throttled exactly alike (nothing tells the two
 * apart). Two counters per attempt: (account, IP) with LOGIN_MAX_FAILURES, and the account
 * alone with 100, so that one attacker cannot lock the owner out from the owner's own address
 * while a distributed attack still stalls.
 */
@Injectable()
export class LoginThrottleService implements OnModuleInit, OnModuleDestroy {
  private readonly store: LoginThrottleStore;
  private readonly logger = new Logger('LoginThrottle');
  private timer?: NodeJS.Timeout;

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

  onModuleInit(): void {
    this.timer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  countersFor(subject: string, ip: string | null | undefined): ThrottleCounter[] {
    const account = sha256Hex(`account:${subject}`);
    const address = clientAddress(ip);
    return [
      { id: account, group: account, threshold: ACCOUNT_MAX_FAILURES },
      { id: sha256Hex(`ip:${subject}\n${address}`), group: account, threshold: this.config.loginMaxFailures },
    ];
  }

  /** The counters of an existing account: its email and its username share them. */
  countersForUser(userId: string, ip: string | null | undefined): ThrottleCounter[] {
    return this.countersFor(`user:${userId}`, ip);
  }

  /**
   * True when the counters are `login_throttle` rows (no Redis): a successful login deletes them
   * in the statement that creates its session, with no round trip and no commit of their own.
   */
  get countersInDatabase(): boolean {
    return this.store.inDatabase;
  }

  /** Refused while a wait runs; otherwise the attempt is counted as a failure until clear(). */
  reserve(counters: ThrottleCounter[]): Promise<Reservation> {
    return this.store.reserve(counters);
  }

  /** A successful login resets the account's counter and the one of this IP (see countersInDatabase). */
  clear(counters: ThrottleCounter[]): Promise<void> {
    return this.store.clear(counters);
  }

  async prune(): Promise<void> {
    try {
      await this.store.prune();
    } catch (err) {
      this.logger.warn({ err }, 'Pruning login counters failed');
    }
  }
}
