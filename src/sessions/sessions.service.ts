import { Injectable, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { type EntityManager, Repository } from 'typeorm';
import { sha256Hex } from '../common/secrets.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { RefreshToken } from './refresh-token.entity.js';
import { SessionEventsService } from './session-events.service.js';
import type { SessionState } from './session-state.cache.js';
import { SessionStateService } from './session-state.service.js';
import { Session } from './session.entity.js';

export type { ClientInfo };

export function hashRefreshToken(token: string): string {
  return sha256Hex(token);
}

/** 256 random bits, URL-safe. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Session lifecycle (a login's session is created by the login service, with its audit event and
 * the reset of the back-off counters, in one statement). Every revocation goes through here so that it reaches every instance's
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
   * Revokes every live session opened for the OAuth client (the client is being deleted) and
   * tells every instance that the client changed. Pass the manager of the deleting transaction.
   */
  async revokeAllForClient(clientId: string, reason: string, manager?: EntityManager): Promise<number> {
    return this.inTransaction(manager, async (em) => {
      const result = await em
        .getRepository(Session)
        .createQueryBuilder()
        .update()
        .set({ revokedAt: () => 'now()', revokedReason: reason })
        .where('client_id = :clientId AND revoked_at IS NULL', { clientId })
        .execute();
      await this.events.clientChanged(clientId, em);
      this.metrics?.sessionRevoked(reason, result.affected ?? 0);
      return result.affected ?? 0;
    });
  }

  /** The client's secret, scopes or grants changed: every instance re-reads its state. */
  notifyClientChanged(clientId: string, manager?: EntityManager): Promise<void> {
    return this.inTransaction(manager, (em) => this.events.clientChanged(clientId, em));
  }

  /** For the clients module's cache: called with the client's id, or null to forget every client. */
  onClientChange(listener: (clientId: string | null) => void): void {
    this.events.onClientChange(listener);
  }

  /** True while changes of clients reach this instance, i.e. while a cache of client states may be trusted. */
  get listeningForChanges(): boolean {
    return this.events.listening;
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

  /** The live session's current state, its assurance included (cached like isActive), or null. */
  activeState(sessionId: string, userId: string): Promise<SessionState | null> {
    return this.state.activeState(sessionId, userId);
  }

  /**
   * Step-up: the live session now stands at aal2, with the methods of the authentication that
   * raised it and auth_time now. Every instance drops its cached state of the session (as for a
   * revocation), so the next request anywhere sees the new level. False when it is not live.
   */
  async raiseToAal2(sessionId: string, amr: string[], manager?: EntityManager): Promise<boolean> {
    return this.inTransaction(manager, async (em) => {
      const result = await em
        .getRepository(Session)
        .createQueryBuilder()
        .update()
        .set({ acr: 'aal2', amr, authTime: () => 'now()' })
        .where('id = :sessionId AND revoked_at IS NULL AND expires_at > now()', { sessionId })
        .execute();
      if (!result.affected) return false;
      await this.events.sessionChanged(sessionId, em);
      return true;
    });
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
