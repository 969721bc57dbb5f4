import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import type { ClientInfo } from '../common/client-info.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AuthEvent, type AuthEventDetails, type AuthEventType } from './auth-event.entity.js';

const PRUNE_INTERVAL_MS = 3600_000;
/** Each prune deletes at most this many rows, so it never holds long locks. */
const PRUNE_BATCH = 10_000;

export interface AuditRecord {
  type: AuthEventType;
  userId?: string | null;
  sessionId?: string | null;
  client?: ClientInfo;
  /** Reasons, scopes, roles, the acting admin: never a password, code, token or hash. */
  details?: AuthEventDetails;
}

/** Who made an admin change: an admin through the API, or (no userId) the CLI. */
export interface AuditActor {
  userId?: string;
  client?: ClientInfo;
}

/** The columns of one auth_events row (id and created_at are the database's). */
export type AuditRow = Pick<AuthEvent, 'type' | 'userId' | 'sessionId' | 'ip' | 'userAgent' | 'details'>;

export interface EventPage {
  items: AuthEvent[];
  total: number;
}

/** The security audit log (auth_events): written at each security event, read by its owner and admins. */
@Injectable()
export class AuditService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  private readonly pending = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(AuthEvent) private readonly events: Repository<AuthEvent>,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.prune().catch(() => undefined), PRUNE_INTERVAL_MS).unref();
  }

  /** Before the DataSource closes: let the events still being written land. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Inside the caller's transaction: the event exists exactly when the change does. */
  async recordIn(manager: EntityManager, event: AuditRecord): Promise<void> {
    await manager.getRepository(AuthEvent).insert(this.row(event));
  }

  /**
   * Outside any transaction (failed logins, logout): written in the background, and a failure
   * to write is logged, never turned into an error for the request.
   */
  recordLater(...events: AuditRecord[]): void {
    // One after the other, so that events of one request keep their order in created_at.
    const write = events
      .reduce(
        (previous, event) =>
          previous.then(() =>
            this.events
              .insert(this.row(event))
              .then(() => undefined)
              .catch((err: unknown) => this.logger.error({ err, type: event.type }, 'Could not write an audit event')),
          ),
        Promise.resolve(),
      )
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Resolves once every background write started so far has finished. */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** A user's events, newest first. */
  async listForUser(userId: string, page: number, limit: number): Promise<EventPage> {
    const [items, total] = await this.events.findAndCount({
      where: { userId },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (page - 1) * limit,
      take: limit,
    });
    return { items, total };
  }

  /** Deletes events older than AUDIT_RETENTION; returns how many went. */
  async prune(): Promise<number> {
    try {
      const result = await this.events
        .createQueryBuilder()
        .delete()
        .where(
          `id IN (SELECT id FROM auth_events WHERE created_at < now() - make_interval(secs => :age) LIMIT :batch)`,
          { age: this.config.auditRetention, batch: PRUNE_BATCH },
        )
        .execute();
      return result.affected ?? 0;
    } catch (err) {
      this.logger.warn({ err }, 'Pruning audit events failed');
      return 0;
    }
  }

  /** An event as the row it is written as; for statements that write it themselves (a login's). */
  row(event: AuditRecord): AuditRow {
    return {
      type: event.type,
      userId: event.userId ?? null,
      sessionId: event.sessionId ?? null,
      ip: event.client?.ip?.slice(0, 64) ?? null,
      userAgent: event.client?.userAgent?.slice(0, 512) ?? null,
      details: event.details ?? {},
    };
  }
}
