import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { type EntityManager, Repository } from 'typeorm';
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

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
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
  ) {}

  /** Every successful login creates a session with the first refresh token of its family. */
  async create(
    userId: string,
    client: ClientInfo,
    lifetimeSeconds: number,
    manager?: EntityManager,
    scope: string | null = null,
  ): Promise<NewSession> {
    const run = async (em: EntityManager): Promise<NewSession> => {
      const session = await em.getRepository(Session).save(
        em.getRepository(Session).create({
          userId,
          expiresAt: new Date(Date.now() + lifetimeSeconds * 1000),
          userAgent: client.userAgent?.slice(0, 512) ?? null,
          ip: client.ip?.slice(0, 64) ?? null,
          scope,
          revokedAt: null,
          revokedReason: null,
        }),
      );
      const refreshToken = newOpaqueToken();
      await em.getRepository(RefreshToken).insert({ sessionId: session.id, tokenHash: hashRefreshToken(refreshToken) });
      return { session, refreshToken };
    };
    return manager ? run(manager) : this.sessions.manager.transaction(run);
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
