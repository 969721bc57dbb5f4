import { Injectable, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { type EntityManager, Repository } from 'typeorm';
import type { AuditRow } from '../audit/audit.service.js';
import { sha256Hex } from '../common/secrets.js';
import { prepared } from '../config/prepared-statements.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { RefreshToken } from './refresh-token.entity.js';
import { SessionEventsService } from './session-events.service.js';
import { SessionStateService } from './session-state.service.js';
import { Session } from './session.entity.js';

export type { ClientInfo };

export interface NewSession {
  session: Session;
  /** The opaque refresh token; only its hash is stored. */
  refreshToken: string;
}

/** What the statement that creates a login's session writes besides the session. */
export interface LoginWrites {
  /** The scope the login granted (space-separated). */
  scope: string;
  /** Its audit event (login_success); `sessionId` is the new session's. */
  event: AuditRow;
  /** `login_throttle` keys to delete: a success resets the back-off counters (LoginThrottleService). */
  loginThrottleKeys: string[];
}

const CREATE_SQL = prepared(
  `SELECT id, created_at, last_used_at
     FROM login_session_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::varchar[])`,
);

export function hashRefreshToken(token: string): string {
  return sha256Hex(token);
}

/** 256 random bits, URL-safe. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Session lifecycle. Every revocation goes through here so that it reaches every instance's
 * session cache (SessionEventsService): pass the caller's transaction `manager` when the
 * revocation is part of a larger change, and it is announced when that transaction commits.
 */
@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly events: SessionEventsService,
    private readonly state: SessionStateService,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /**
   * Every successful login creates a session with the first refresh token of its family, in one
   * statement (a data-modifying CTE, atomic on its own: no BEGIN/COMMIT round trips, one commit)
   * that also writes the login's audit event, naming the new session, and deletes the login's
   * back-off counters when they are `login_throttle` rows. On the login path every round trip
   * costs CPU on both sides and every commit a WAL flush; this one replaces four (BEGIN, the CTE,
   * the audit INSERT, COMMIT) and the counters' DELETE. The statement is the database function
   * `login_session_create` (migration LoginSessionCreate), so that its plan is made once per
   * connection rather than on every login.
   */
  async create(userId: string, client: ClientInfo, lifetimeSeconds: number, login: LoginWrites): Promise<NewSession> {
    const refreshToken = newOpaqueToken();
    const session = Object.assign(new Session(), {
      userId,
      expiresAt: new Date(Date.now() + lifetimeSeconds * 1000),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip?.slice(0, 64) ?? null,
      scope: login.scope,
      revokedAt: null,
      revokedReason: null,
    });
    const event = login.event;
    // Deleting the counters adds no way for the login to fail beyond those of the INSERTs next
    // to it (the database itself failing): they are locked in key order, as
    // login_throttle_reserve() locks them, so a concurrent attempt cannot deadlock the login.
    const rows: Array<{ id: string; created_at: Date; last_used_at: Date }> = await this.sessions.query(CREATE_SQL, [
      userId,
      session.expiresAt,
      session.userAgent,
      session.ip,
      session.scope,
      hashRefreshToken(refreshToken),
      event.type,
      event.userId,
      event.ip,
      event.userAgent,
      JSON.stringify(event.details),
      login.loginThrottleKeys,
    ]);
    Object.assign(session, { id: rows[0].id, createdAt: rows[0].created_at, lastUsedAt: rows[0].last_used_at });
    return { session, refreshToken };
  }

  /** Revokes one session of the user; false when it is not theirs or already revoked. */
  async revoke(sessionId: string, userId: string, reason: string, manager?: EntityManager): Promise<boolean> {
    return this.inTransaction(manager, async (em) => {
      const result = await em
        .getRepository(Session)
        .createQueryBuilder()
        .update()
        .set({ revokedAt: () => 'now()', revokedReason: reason })
        .where('id = :sessionId AND user_id = :userId AND revoked_at IS NULL', { sessionId, userId })
        .execute();
      if (!result.affected) return false;
      await this.events.sessionRevoked(sessionId, em);
      this.metrics?.sessionRevoked(reason, result.affected);
      return true;
    });
  }

  /**
   * Revokes every live session of the user (password change or reset, account disabled...),
   * optionally keeping one (the caller's current session). Pass the transaction's manager
   * when it is part of a larger change.
   */
  async revokeAllForUser(
    userId: string,
    reason: string,
    options: { except?: string; manager?: EntityManager } = {},
  ): Promise<number> {
    return this.inTransaction(options.manager, async (em) => {
      const query = em
        .getRepository(Session)
        .createQueryBuilder()
        .update()
        .set({ revokedAt: () => 'now()', revokedReason: reason })
        .where('user_id = :userId AND revoked_at IS NULL', { userId });
      if (options.except) query.andWhere('id <> :except', { except: options.except });
      const result = await query.execute();
      await this.events.userRevoked(userId, em);
      this.metrics?.sessionRevoked(reason, result.affected ?? 0);
      return result.affected ?? 0;
    });
  }

  /**
   * For the users module: the user was deleted (sessions gone by cascade) or disabled. Call it
   * with the transaction's manager of that change; every instance forgets the user's sessions.
   */
  notifyUserGone(userId: string, manager?: EntityManager): Promise<void> {
    return this.inTransaction(manager, (em) => this.events.userRevoked(userId, em));
  }

  /**
   * Drops this instance's cached session states of one user (or of everyone): called when the
   * users table reports a change made outside the revocation paths (e.g. a row disabled or
   * deleted by SQL), so that the cache never outlives what the database says.
   */
  forgetCachedStates(userId?: string): void {
    if (userId === undefined) this.events.cache.clear();
    else this.events.cache.invalidateUser(userId);
  }

  /** True while the session is neither revoked nor expired and its user exists and is enabled. */
  isActive(sessionId: string, userId: string): Promise<boolean> {
    return this.state.isActive(sessionId, userId);
  }

  /** The user's live sessions, newest first. */
  listActive(userId: string): Promise<Session[]> {
    return this.sessions
      .createQueryBuilder('s')
      .where('s.user_id = :userId AND s.revoked_at IS NULL AND s.expires_at > now()', { userId })
      .orderBy('s.created_at', 'DESC')
      .getMany();
  }

  /** The session a refresh token belongs to (any state), for revocation and introspection. */
  async findByRefreshToken(token: string): Promise<{ session: Session; token: RefreshToken } | null> {
    if (token.length > 512) return null;
    const row = await this.sessions.manager
      .getRepository(RefreshToken)
      .findOne({ where: { tokenHash: hashRefreshToken(token) }, relations: { session: true } });
    return row?.session ? { session: row.session, token: row } : null;
  }

  private inTransaction<T>(manager: EntityManager | undefined, run: (em: EntityManager) => Promise<T>): Promise<T> {
    return manager ? run(manager) : this.sessions.manager.transaction(run);
  }
}
