import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SessionStateCache } from './session-state.cache.js';
import { PgNotifyTransport } from './transports/pg-notify.transport.js';
import { PgliteTransport } from './transports/pglite.transport.js';
import { RedisTransport } from './transports/redis.transport.js';
import type { RevocationTransport } from './transports/revocation-transport.js';

/** Bounds memory (≈ 200 bytes an entry) and how long a lost notification could go unnoticed. */
const CACHE_MAX_ENTRIES = 50_000;
const CACHE_TTL_MS = 30_000;
const PENDING = 'warden:pendingRevocations';
const USER_PREFIX = 'user:';
const CLIENT_PREFIX = 'client:';

/** Told when an OAuth client changed (id) or when any may have changed unseen (null: forget them all). */
export type ClientChangeListener = (clientId: string | null) => void;

function pickTransport(config: AppConfig, dataSource: DataSource, metrics?: MetricsService): RevocationTransport {
  if (config.redisUrl) return new RedisTransport(config.redisUrl);
  if (config.databaseUrl) return new PgNotifyTransport(config.databaseUrl, dataSource, metrics);
  return new PgliteTransport(dataSource);
}

/**
 * Keeps this instance's session-state cache in step with revocations made by any instance.
 * Every revocation invalidates the local cache at once, is published to all instances (on
 * commit when it is part of a transaction) and invalidates the local cache again after the
 * commit, so that a read racing the transaction cannot leave a stale "active" behind. While the
 * transport is not listening the cache is not used at all: correct first, fast second.
 */
@Injectable()
export class SessionEventsService implements OnModuleInit, OnModuleDestroy {
  readonly cache = new SessionStateCache({ maxEntries: CACHE_MAX_ENTRIES, ttlMs: CACHE_TTL_MS });
  private readonly logger = new Logger('SessionRevocation');
  private readonly transport: RevocationTransport;
  private listeningNow = false;
  private readonly clientListeners: ClientChangeListener[] = [];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() metrics?: MetricsService,
  ) {
    this.transport = pickTransport(config, dataSource, metrics);
  }

  /** True while no revocation can be missed, i.e. while the cache may be trusted. */
  get listening(): boolean {
    return this.listeningNow;
  }

  async onModuleInit(): Promise<void> {
    this.dataSource.subscribers.push(this.afterCommitSubscriber());
    await this.transport.start({
      message: (payload) => this.apply(payload),
      up: () => {
        this.cache.clear();
        this.clientsChanged(null);
        this.listeningNow = true;
        this.logger.log(`Listening for session revocations (${this.transport.name})`);
      },
      down: () => {
        this.listeningNow = false;
        this.cache.clear();
        this.clientsChanged(null);
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.listeningNow = false;
    await this.transport.stop();
  }

  sessionRevoked(sessionId: string, manager?: EntityManager): Promise<void> {
    return this.emit(sessionId, manager);
  }

  /** The session's state changed otherwise (step-up): dropped from every cache like a revocation. */
  sessionChanged(sessionId: string, manager?: EntityManager): Promise<void> {
    return this.emit(sessionId, manager);
  }

  /** All sessions of the user: revoked, user disabled, or user deleted (rows gone by cascade). */
  userRevoked(userId: string, manager?: EntityManager): Promise<void> {
    return this.emit(USER_PREFIX + userId, manager);
  }

  /**
   * An OAuth client was deleted, or its secret or scopes changed: every instance forgets the
   * session states it cached (the client's sessions may be gone) and tells its client listeners.
   */
  clientChanged(clientId: string, manager?: EntityManager): Promise<void> {
    return this.emit(CLIENT_PREFIX + clientId, manager);
  }

  /** For the clients module's cache of client states (client_credentials tokens). */
  onClientChange(listener: ClientChangeListener): void {
    this.clientListeners.push(listener);
  }

  private clientsChanged(clientId: string | null): void {
    for (const listener of this.clientListeners) listener(clientId);
  }

  private async emit(payload: string, manager?: EntityManager): Promise<void> {
    this.apply(payload);
    const runner = manager?.queryRunner;
    if (runner?.isTransactionActive) {
      const pending = ((runner.data as Record<string, string[] | undefined>)[PENDING] ??= []);
      pending.push(payload);
      if (this.transport.transactional) await this.transport.publish(payload, manager);
      return;
    }
    await this.publishSafely(payload);
  }

  private async publishSafely(payload: string): Promise<void> {
    try {
      await this.transport.publish(payload);
    } catch (err) {
      // The change is committed; other instances' caches expire within CACHE_TTL_MS at worst.
      this.logger.error({ err }, 'Could not publish a session revocation');
    }
  }

  private apply(payload: string): void {
    if (payload.startsWith(USER_PREFIX)) this.cache.invalidateUser(payload.slice(USER_PREFIX.length));
    else if (payload.startsWith(CLIENT_PREFIX)) {
      // Rare (an admin action): dropping every cached session state is simpler than an index by client.
      this.cache.clear();
      this.clientsChanged(payload.slice(CLIENT_PREFIX.length));
    } else this.cache.invalidateSession(payload);
  }

  private afterCommitSubscriber(): EntitySubscriberInterface {
    const takePending = (runner: QueryRunner): string[] => {
      const data = runner.data as Record<string, string[] | undefined>;
      const pending = data[PENDING] ?? [];
      delete data[PENDING];
      return pending;
    };
    return {
      afterTransactionCommit: async ({ queryRunner }) => {
        if (queryRunner.isTransactionActive) return; // a savepoint was released, not the transaction
        for (const payload of takePending(queryRunner)) {
          this.apply(payload);
          if (!this.transport.transactional) await this.publishSafely(payload);
        }
      },
      afterTransactionRollback: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive) takePending(queryRunner);
      },
    };
  }
}
