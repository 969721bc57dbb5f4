import { federationRetentionRules } from '../federation/federation.retention.js';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { auditRetentionRules } from '../audit/audit.retention.js';
import type { RetentionRule } from '../common/retention-rule.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { loginThrottleRetentionRules } from '../limits/login-throttle.retention.js';
import { outboxRetentionRules } from '../mail/outbox.retention.js';
import { mfaChallengeRetentionRules } from '../mfa/mfa-challenges.retention.js';
import { mfaRetentionRules } from '../mfa/mfa.retention.js';
import { passkeysRetentionRules } from '../passkeys/passkeys.retention.js';
import { authorizeRetentionRules } from '../authorize/authorize.retention.js';
import { sessionRetentionRules } from '../sessions/sessions.retention.js';
import { usersRetentionRules } from '../users/users.retention.js';

const PURGE_INTERVAL_MS = 3_600_000;
/** Rows per DELETE: each batch is its own short transaction, so no lock is held for long. */
export const PURGE_BATCH = 1000;
/** The session-level advisory lock that lets one instance at a time run the purge. */
const PURGE_LOCK_SQL = `SELECT pg_try_advisory_lock(hashtext('warden:purge')) AS locked`;
const PURGE_UNLOCK_SQL = `SELECT pg_advisory_unlock(hashtext('warden:purge'))`;

/** Rows deleted per table; `skipped` when another instance was purging. */
export interface PurgeReport {
  skipped: boolean;
  deleted: Record<string, number>;
}

type Query = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * Deletes what the retention rules say is old, hourly on whichever instance gets the lock first
 * (and now, for `npm run cli -- db:purge`). The statements belong to the modules that own the
 * tables (their `*.retention.ts`); this module only schedules, locks and batches them.
 */
@Injectable()
export class RetentionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private readonly rules: RetentionRule[];
  private timer?: NodeJS.Timeout;
  private running?: Promise<PurgeReport>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.rules = [
      ...sessionRetentionRules(config.sessionRetention),
      ...usersRetentionRules(),
      ...mfaRetentionRules(),
      ...mfaChallengeRetentionRules(),
      ...outboxRetentionRules(),
      ...auditRetentionRules(config.auditRetention),
      ...loginThrottleRetentionRules(),
      ...passkeysRetentionRules(),
      ...authorizeRetentionRules(),
      ...federationRetentionRules(),
    ];
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.scheduled(), PURGE_INTERVAL_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Runs every rule to completion unless another instance holds the purge lock. */
  purge(): Promise<PurgeReport> {
    this.running ??= this.purgeLocked().finally(() => (this.running = undefined));
    return this.running;
  }

  private async scheduled(): Promise<void> {
    try {
      const report = await this.purge();
      if (!report.skipped) this.logger.log({ deleted: report.deleted }, 'Purged old rows');
    } catch (err) {
      this.logger.warn({ err }, 'Purge failed; will retry in an hour');
    }
  }

  private async purgeLocked(): Promise<PurgeReport> {
    // The advisory lock is held by a connection, so lock, batches and unlock share one. PGlite is
    // a single session shared by the whole process: there, each statement takes it in turn, so
    // that requests are not queued behind the whole purge.
    const embedded = this.config.databaseUrl === undefined;
    const runner: QueryRunner | undefined = embedded ? undefined : this.dataSource.createQueryRunner();
    const query: Query = runner
      ? (sql, params) => runner.query(sql, params)
      : (sql, params) => this.dataSource.query(sql, params);
    try {
      const [{ locked }] = await query(PURGE_LOCK_SQL);
      if (!locked) return { skipped: true, deleted: Object.fromEntries(this.tables().map((table) => [table, 0])) };
      try {
        const deleted = await this.runRules(query);
        // PGlite has no autovacuum: without a VACUUM the space of the deleted rows is never
        // reused and the embedded database only grows. (Postgres's autovacuum does this itself.)
        if (embedded) {
          for (const [table, rows] of Object.entries(deleted)) if (rows > 0) await query(`VACUUM ${table}`);
        }
        return { skipped: false, deleted };
      } finally {
        await query(PURGE_UNLOCK_SQL);
      }
    } finally {
      await runner?.release();
    }
  }

  private async runRules(query: Query): Promise<Record<string, number>> {
    const deleted: Record<string, number> = Object.fromEntries(this.tables().map((table) => [table, 0]));
    for (const rule of this.rules) {
      for (;;) {
        const [{ n }] = await query(rule.sql, [rule.age, PURGE_BATCH]);
        deleted[rule.table] += Number(n);
        if (Number(n) < PURGE_BATCH) break;
      }
    }
    return deleted;
  }

  private tables(): string[] {
    return [...new Set(this.rules.map((rule) => rule.table))];
  }
}
