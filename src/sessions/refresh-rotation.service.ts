import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { User } from '../users/user.entity.js';
import { RefreshToken } from './refresh-token.entity.js';
import { Session } from './session.entity.js';
import { hashRefreshToken, newOpaqueToken, SessionsService } from './sessions.service.js';

export type RotationRefusal = 'unknown' | 'expired' | 'revoked' | 'reused';

export type RotationResult =
  { ok: true; session: Session; user: User; refreshToken: string } | { ok: false; reason: RotationRefusal };

/** Longer than any token we issue: refuse before hashing megabytes. */
const MAX_REFRESH_TOKEN_LENGTH = 512;

interface TokenRow {
  id: string;
  session_id: string;
}

interface TokenState {
  rotated: boolean;
  in_grace: boolean;
}

/**
 * Refresh-token rotation (RFC 9700 §4.14.2): one family per session, a new token on every use.
 * A rotated token presented again within REFRESH_REUSE_GRACE (parallel tabs racing) still gets a
 * new pair for the same session; after the grace it is treated as stolen and the whole session
 * is revoked. The session row is locked (SELECT … FOR UPDATE) so that concurrent rotations of
 * one family run one after the other and each sees the previous one's outcome.
 */
@Injectable()
export class RefreshRotationService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * `check` runs once the session and user are known and before anything is written; whatever
   * it throws (invalid_scope) aborts the rotation and leaves the presented token usable.
   */
  rotate(token: string, client: ClientInfo, check?: (session: Session, user: User) => void): Promise<RotationResult> {
    if (!token || token.length > MAX_REFRESH_TOKEN_LENGTH) return Promise.resolve({ ok: false, reason: 'unknown' });
    return this.dataSource.transaction(async (em): Promise<RotationResult> => {
      const [found] = await em.query<TokenRow[]>('SELECT id, session_id FROM refresh_tokens WHERE token_hash = $1', [
        hashRefreshToken(token),
      ]);
      if (!found) return { ok: false, reason: 'unknown' };
      const session = await em
        .getRepository(Session)
        .findOne({ where: { id: found.session_id }, lock: { mode: 'pessimistic_write' } });
      if (!session) return { ok: false, reason: 'unknown' };
      if (session.revokedAt) return { ok: false, reason: 'revoked' };
      if (session.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
      const user = await em.getRepository(User).findOneBy({ id: session.userId });
      if (!user || user.disabledAt) return { ok: false, reason: 'revoked' };

      // Read after taking the lock: a rotation that committed meanwhile is visible now.
      const [state] = await em.query<TokenState[]>(
        `SELECT rotated_at IS NOT NULL AS rotated,
                COALESCE(rotated_at > now() - make_interval(secs => $2), false) AS in_grace
           FROM refresh_tokens WHERE id = $1`,
        [found.id, this.config.refreshReuseGrace],
      );
      if (state.rotated && !state.in_grace) {
        await this.sessions.revoke(session.id, session.userId, 'refresh_reuse', em);
        await this.audit.recordIn(em, {
          type: 'refresh_reuse_detected',
          userId: session.userId,
          sessionId: session.id,
          client,
          details: {},
        });
        return { ok: false, reason: 'reused' };
      }
      check?.(session, user);

      if (!state.rotated) await em.update(RefreshToken, { id: found.id }, { rotatedAt: () => 'now()' });
      const refreshToken = newOpaqueToken();
      await em.insert(RefreshToken, { sessionId: session.id, tokenHash: hashRefreshToken(refreshToken) });
      await em.update(Session, { id: session.id }, { lastUsedAt: () => 'now()' });
      return { ok: true, session, user, refreshToken };
    });
  }
}
