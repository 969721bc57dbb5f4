import { Injectable, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { type EntityManager, Repository } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service.js';
import { Session } from './session.entity.js';

export interface ClientInfo {
  userAgent?: string | null;
  ip?: string | null;
}

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

@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /**
   * Every successful login creates a session with the first refresh token of its family. One
   * statement (a data-modifying CTE, atomic on its own) instead of BEGIN, two INSERTs through
   * TypeORM's save() and COMMIT: on the login path those four round trips and the persistence
   * machinery cost ~1.5 ms of CPU per login next to argon2's ~19 ms (issue 7's profile).
   */
  async create(
    userId: string,
    client: ClientInfo,
    lifetimeSeconds: number,
    manager?: EntityManager,
  ): Promise<NewSession> {
    const refreshToken = newOpaqueToken();
    const session = this.sessions.create({
      userId,
      expiresAt: new Date(Date.now() + lifetimeSeconds * 1000),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip?.slice(0, 64) ?? null,
      revokedAt: null,
      revokedReason: null,
    });
    const rows: Array<{ id: string; created_at: Date; last_used_at: Date }> = await (
      manager ?? this.sessions.manager
    ).query(
      `WITH s AS (
         INSERT INTO sessions (user_id, expires_at, user_agent, ip) VALUES ($1, $2, $3, $4)
         RETURNING id, created_at, last_used_at
       ), t AS (
         INSERT INTO refresh_tokens (session_id, token_hash) SELECT id, $5 FROM s
       )
       SELECT id, created_at, last_used_at FROM s`,
      [userId, session.expiresAt, session.userAgent, session.ip, hashRefreshToken(refreshToken)],
    );
    Object.assign(session, { id: rows[0].id, createdAt: rows[0].created_at, lastUsedAt: rows[0].last_used_at });
    return { session, refreshToken };
  }

  /** Revokes one session of the user; false when it is not theirs or already revoked. */
  async revoke(sessionId: string, userId: string, reason: string, manager?: EntityManager): Promise<boolean> {
    const repo = manager ? manager.getRepository(Session) : this.sessions;
    const result = await repo
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()', revokedReason: reason })
      .where('id = :sessionId AND user_id = :userId AND revoked_at IS NULL', { sessionId, userId })
      .execute();
    this.metrics?.sessionRevoked(reason, result.affected ?? 0);
    return (result.affected ?? 0) > 0;
  }

  /**
   * Revokes every live session of the user (password change or reset, account disabled...),
   * optionally keeping one (the caller's current session). Pass the transaction's manager
   * when it is part of a larger change.
   */
  async revokeAllForUser(userId: string, reason: string, options: { except?: string; manager?: EntityManager } = {}): Promise<number> {
    const repo = options.manager ? options.manager.getRepository(Session) : this.sessions;
    const query = repo
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()', revokedReason: reason })
      .where('user_id = :userId AND revoked_at IS NULL', { userId });
    if (options.except) query.andWhere('id <> :except', { except: options.except });
    const result = await query.execute();
    this.metrics?.sessionRevoked(reason, result.affected ?? 0);
    return result.affected ?? 0;
  }

  /** True while the session is neither revoked nor expired and its user exists and is enabled. */
  async isActive(sessionId: string, userId: string): Promise<boolean> {
    const row = await this.sessions
      .createQueryBuilder('s')
      .innerJoin('users', 'u', 'u.id = s.user_id')
      .select('s.id', 'id')
      .where('s.id = :sessionId AND s.user_id = :userId', { sessionId, userId })
      .andWhere('s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL')
      .getRawOne<{ id: string }>();
    return row !== undefined;
  }
}
