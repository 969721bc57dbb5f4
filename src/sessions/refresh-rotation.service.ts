import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { RawEntity } from '../common/raw-entity.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { prepared } from '../config/prepared-statements.js';
import { User } from '../users/user.entity.js';
import { Session } from './session.entity.js';
import { hashRefreshToken, newOpaqueToken, SessionsService } from './sessions.service.js';

export type RotationRefusal = 'unknown' | 'expired' | 'revoked' | 'reused';

export type RotationResult =
  { ok: true; session: Session; user: User; refreshToken: string } | { ok: false; reason: RotationRefusal };

/** Longer than any token we issue: refuse before hashing megabytes. */
const MAX_REFRESH_TOKEN_LENGTH = 512;

/** See issue(): $1 presented token id, $2 session id, $3 new token hash, $4 reuse grace (s). */
const ISSUE_SQL = prepared(`WITH live AS (
    UPDATE sessions SET last_used_at = now()
     WHERE id = $2 AND revoked_at IS NULL AND expires_at > now()
    RETURNING id
  ), rotated AS (
    UPDATE refresh_tokens t SET rotated_at = COALESCE(t.rotated_at, now())
      FROM live
     WHERE t.id = $1 AND (t.rotated_at IS NULL OR t.rotated_at > now() - make_interval(secs => $4))
    RETURNING t.id
  )
  INSERT INTO refresh_tokens (session_id, token_hash)
  SELECT live.id, $3 FROM live, rotated
  RETURNING id`);

/**
 * A new end of the session's family without a presented token (step-up of a bearer or cookie
 * caller): every unrotated token of the live session is rotated. $1 session id, $2 new hash.
 */
const REISSUE_SQL = `WITH live AS (
    SELECT id FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > now() FOR UPDATE
  ), rotated AS (
    UPDATE refresh_tokens t SET rotated_at = now() FROM live WHERE t.session_id = live.id AND t.rotated_at IS NULL
    RETURNING t.id
  )
  INSERT INTO refresh_tokens (session_id, token_hash)
  SELECT live.id, $2 FROM live
  RETURNING id`;

/** A rotation that lost a race reads the new state and decides again; it cannot lose more than once or twice. */
const MAX_ATTEMPTS = 3;

interface Presented {
  tokenId: string;
  rotated: boolean;
  inGrace: boolean;
  session: Session;
  user: User;
}

/**
 * Refresh-token rotation (RFC 9700 §4.14.2): one family per session, a new token on every use.
 * A rotated token presented again within REFRESH_REUSE_GRACE (parallel tabs racing) still gets a
 * new pair for the same session; after the grace it is treated as stolen and the whole session
 * is revoked.
 *
 * Two statements, no explicit transaction: a read of the token with its session and user, and
 * one atomic write that re-checks everything it depends on. The write locks the session row
 * first (so rotations of one family run one after the other, as revocations, which lock only
 * that row, do) and then the token row; a rotation that lost a race to another one or to a
 * revocation writes nothing and decides again from a fresh read.
 */
@Injectable()
export class RefreshRotationService {
  private readonly sessionColumns: RawEntity<Session>;
  private readonly userColumns: RawEntity<User>;
  private readonly readSql: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {
    this.sessionColumns = new RawEntity(dataSource, Session);
    this.userColumns = new RawEntity(dataSource, User);
    this.readSql = prepared(`SELECT t.id AS token_id, t.rotated_at IS NOT NULL AS rotated,
             COALESCE(t.rotated_at > now() - make_interval(secs => $2), false) AS in_grace,
             ${this.sessionColumns.select('s', 's_')}, ${this.userColumns.select('u', 'u_')}
        FROM refresh_tokens t
        JOIN sessions s ON s.id = t.session_id
        JOIN users u ON u.id = s.user_id
       WHERE t.token_hash = $1`);
  }

  /**
   * `check` runs once the session and user are known and before anything is written; whatever
   * it throws (invalid_scope) aborts the rotation and leaves the presented token usable.
   */
  async rotate(
    token: string,
    client: ClientInfo,
    check?: (session: Session, user: User) => void,
  ): Promise<RotationResult> {
    if (!token || token.length > MAX_REFRESH_TOKEN_LENGTH) return { ok: false, reason: 'unknown' };
    const tokenHash = hashRefreshToken(token);
    for (let attempt = 1; ; attempt += 1) {
      const presented = await this.read(tokenHash);
      if (!presented) return { ok: false, reason: 'unknown' };
      const { session, user } = presented;
      if (session.revokedAt || user.disabledAt) return { ok: false, reason: 'revoked' };
      if (session.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
      if (presented.rotated && !presented.inGrace) return this.revokeForReuse(session, client);
      check?.(session, user);

      const refreshToken = newOpaqueToken();
      if (await this.issue(presented.tokenId, session.id, hashRefreshToken(refreshToken))) {
        session.lastUsedAt = new Date();
        return { ok: true, session, user, refreshToken };
      }
      // Revoked, expired or rotated past the grace in the meantime: the next read says which.
      if (attempt === MAX_ATTEMPTS) return { ok: false, reason: 'revoked' };
    }
  }

  /**
   * Rotates the session's refresh token family on the server's initiative; the new token, or
   * null when the session is not live. Pass the manager of the transaction it belongs to.
   */
  async reissue(sessionId: string, manager?: EntityManager): Promise<string | null> {
    const refreshToken = newOpaqueToken();
    const rows = await (manager ?? this.dataSource.manager).query<unknown[]>(REISSUE_SQL, [
      sessionId,
      hashRefreshToken(refreshToken),
    ]);
    return rows.length === 1 ? refreshToken : null;
  }

  private async read(tokenHash: string): Promise<Presented | null> {
    const [row] = await this.dataSource.query<Array<Record<string, unknown>>>(this.readSql, [
      tokenHash,
      this.config.refreshReuseGrace,
    ]);
    if (!row) return null;
    return {
      tokenId: row.token_id as string,
      rotated: row.rotated as boolean,
      inGrace: row.in_grace as boolean,
      session: this.sessionColumns.from(row, 's_'),
      user: this.userColumns.from(row, 'u_'),
    };
  }

  /**
   * Marks the presented token rotated (unless it already is, within the grace) and inserts its
   * successor, only while the session is live. True when the new token was stored.
   */
  private async issue(tokenId: string, sessionId: string, newTokenHash: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(ISSUE_SQL, [
      tokenId,
      sessionId,
      newTokenHash,
      this.config.refreshReuseGrace,
    ]);
    return rows.length === 1;
  }

  /** A rotated token came back after the grace: revoke the session, once, and say so in the audit log. */
  private revokeForReuse(session: Session, client: ClientInfo): Promise<RotationResult> {
    return this.dataSource.transaction(async (em): Promise<RotationResult> => {
      if (!(await this.sessions.revoke(session.id, session.userId, 'refresh_reuse', em))) {
        return { ok: false, reason: 'revoked' };
      }
      await this.audit.recordIn(em, {
        type: 'refresh_reuse_detected',
        userId: session.userId,
        sessionId: session.id,
        client,
        details: {},
      });
      return { ok: false, reason: 'reused' };
    });
  }
}
