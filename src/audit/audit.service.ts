import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import type { ClientInfo } from '../common/client-info.js';
import { AuthEvent, type AuthEventDetails, type AuthEventType } from './auth-event.entity.js';

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
export class AuditService implements OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  private readonly pending = new Set<Promise<void>>();

  constructor(@InjectRepository(AuthEvent) private readonly events: Repository<AuthEvent>) {}

  /** Before the DataSource closes: let the events still being written land. */
  async onModuleDestroy(): Promise<void> {
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
    // Stamped now, not when the write lands: a later request's event (written in its transaction)
    // must not sort before this one. One after the other, and a microsecond apart, so that events
    // of one request keep their order.
    const stamps = events.map(() => microsecondStamp());
    const write = events
      .reduce(
        (previous, event, i) =>
          previous.then(() =>
            this.insertStamped(this.row(event), stamps[i])
              .then(() => undefined)
              .catch((err: unknown) => this.logger.error({ err, type: event.type }, 'Could not write an audit event')),
          ),
        Promise.resolve(),
      )
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  private async insertStamped(row: AuditRow, createdAt: string): Promise<void> {
    await this.events.query(
      `INSERT INTO auth_events (type, user_id, session_id, ip, user_agent, details, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)`,
      [row.type, row.userId, row.sessionId, row.ip, row.userAgent, JSON.stringify(row.details), createdAt],
    );
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

let lastStampMicros = 0;

/** The wall clock (to the millisecond) as an ISO string with microseconds, strictly increasing within the process. */
function microsecondStamp(): string {
  const micros = Math.max(Date.now() * 1000, lastStampMicros + 1);
  lastStampMicros = micros;
  const iso = new Date(Math.floor(micros / 1000)).toISOString();
  return `${iso.slice(0, 23)}${String(micros % 1000).padStart(3, '0')}Z`;
}
