import { Injectable, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { type EntityManager, Repository } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service.js';
import { RefreshToken } from './refresh-token.entity.js';
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

  /** Every successful login creates a session with the first refresh token of its family. */
  async create(
    userId: string,
    client: ClientInfo,
    lifetimeSeconds: number,
    manager?: EntityManager,
  ): Promise<NewSession> {
    const run = async (em: EntityManager): Promise<NewSession> => {
      const session = await em.getRepository(Session).save(
        em.getRepository(Session).create({
          userId,
          expiresAt: new Date(Date.now() + lifetimeSeconds * 1000),
          userAgent: client.userAgent?.slice(0, 512) ?? null,
          ip: client.ip?.slice(0, 64) ?? null,
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
  async revokeAllForUser(
    userId: string,
    reason: string,
    options: { except?: string; manager?: EntityManager } = {},
  ): Promise<number> {
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
