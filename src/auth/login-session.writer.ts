import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AuditRow } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { prepared } from '../config/prepared-statements.js';
import { Session, type SessionAcr } from '../sessions/session.entity.js';
import { hashRefreshToken, newOpaqueToken } from '../sessions/sessions.service.js';

const COMPLETE_SQL = prepared(
  `SELECT id, created_at, last_used_at, auth_time
     FROM login_complete($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $11, $12, $13::jsonb, $14::varchar[], $15::uuid, $16::timestamptz)`,
);

export interface LoginWrite {
  userId: string;
  /** The hash the password was verified against: no session if the account has another one now (null: no password in the proof). */
  passwordHash: string | null;
  client: ClientInfo;
  lifetimeSeconds: number;
  scope: string;
  /** How the user proved who they are: the session's assurance level and RFC 8176 methods. */
  acr: SessionAcr;
  amr: string[];
  /** Its audit event (login_success); the statement names the new session in it. */
  event: AuditRow;
  /** `login_throttle` keys the statement settles (none when the counters live in Redis). */
  throttleKeys: string[];
  /** The OAuth client the session is for (its refresh then needs that client); none: password grant, browser login. */
  clientId?: string | null;
  /** The authentication the session rests on when it is older than the session (an authorization code's browser login); none: now. */
  authTime?: Date | null;
}

/**
 * The one statement of a successful login: the database function `login_complete` (migration
 * OAuthClients) creates the session with the first refresh token of its family and the
 * login_success audit event, and resets the back-off counters, atomically and in one round trip
 * (no BEGIN/COMMIT, one WAL flush, a plan made once per connection). It creates nothing, and
 * only frees the counters' slot, when the account no longer has the verified hash or was
 * disabled meanwhile: then it answers null.
 */
@Injectable()
export class LoginSessionWriter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(login: LoginWrite): Promise<{ session: Session; refreshToken: string } | null> {
    const refreshToken = newOpaqueToken();
    const session = Object.assign(new Session(), {
      userId: login.userId,
      expiresAt: new Date(Date.now() + login.lifetimeSeconds * 1000),
      userAgent: login.client.userAgent?.slice(0, 512) ?? null,
      ip: login.client.ip?.slice(0, 64) ?? null,
      scope: login.scope,
      acr: login.acr,
      amr: login.amr,
      revokedAt: null,
      revokedReason: null,
      clientId: login.clientId ?? null,
    });
    const { event } = login;
    const rows = await this.dataSource.query<
      Array<{ id: string; created_at: Date; last_used_at: Date; auth_time: Date }>
    >(COMPLETE_SQL, [
      login.userId,
      login.passwordHash,
      session.expiresAt,
      session.userAgent,
      session.ip,
      session.scope,
      session.acr,
      session.amr,
      hashRefreshToken(refreshToken),
      event.type,
      event.ip,
      event.userAgent,
      JSON.stringify(event.details),
      login.throttleKeys,
      session.clientId,
      login.authTime ?? null,
    ]);
    if (rows.length === 0) return null;
    const [row] = rows;
    Object.assign(session, {
      id: row.id,
      createdAt: new Date(row.created_at),
      lastUsedAt: new Date(row.last_used_at),
      authTime: new Date(row.auth_time),
    });
    return { session, refreshToken };
  }
}
