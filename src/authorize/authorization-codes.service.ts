import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { SessionAcr } from '../sessions/session.entity.js';
import { isCodeVerifier, s256 } from './pkce.js';

/** RFC 6749 4.1.2 recommends at most 10 minutes; OAuth 2.1 practice is far shorter. */
export const CODE_TTL_SECONDS = 60;

const MAX_CODE_LENGTH = 128;

export interface CodeGrant {
  clientId: string;
  userId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
  scope: string;
  acr: SessionAcr;
  amr: string[];
  authTime: Date;
}

/** What a claimed code carries into the session it opens. */
export interface ClaimedCode {
  id: string;
  userId: string;
  scope: string;
  nonce: string | null;
  acr: SessionAcr;
  amr: string[];
  authTime: Date;
}

interface ClaimedRow {
  id: string;
  user_id: string;
  scope: string;
  nonce: string | null;
  acr: SessionAcr;
  amr: string[] | string;
  auth_time: Date | string;
}

const ISSUE_SQL = `INSERT INTO oauth_codes
    (code_hash, client_id, user_id, redirect_uri, code_challenge, nonce, scope, acr, amr, auth_time, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10, now() + make_interval(secs => $11))`;

// One statement claims the code, and only for its client, its exact redirect_uri and the
// verifier of its challenge: two presentations at once, on any instance, get it once, and a
// presentation with a wrong verifier does not use it up. (CTEs, so that both drivers answer rows.)
const CLAIM_SQL = `WITH used AS (
    UPDATE oauth_codes SET used_at = now()
     WHERE code_hash = $1 AND client_id = $2 AND redirect_uri = $3 AND code_challenge = $4
       AND used_at IS NULL AND expires_at > now()
    RETURNING id, user_id, scope, nonce, acr, amr, auth_time
  ) SELECT id, user_id, scope, nonce, acr, amr, auth_time FROM used`;

// A presentation of a code that was already used marks it; the first use's session is revoked.
const MARK_REUSE_SQL = `WITH reused AS (
    UPDATE oauth_codes SET reused_at = now() WHERE code_hash = $1 AND used_at IS NOT NULL
    RETURNING user_id, issued_session_id
  ) SELECT user_id, issued_session_id FROM reused`;

// The row lock orders this against MARK_REUSE_SQL: whichever runs second sees the other's write.
const BIND_SESSION_SQL = `WITH bound AS (
    UPDATE oauth_codes SET issued_session_id = $2 WHERE id = $1 RETURNING reused_at
  ) SELECT reused_at FROM bound`;

export function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('base64url');
}

function pgArray(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  return value
    .replace(/^\{|\}$/g, '')
    .split(',')
    .filter(Boolean);
}

/**
 * The authorization codes: 256 random bits, only the hash stored, 60 seconds, single use,
 * in Postgres (any instance redeems what another issued).
 */
@Injectable()
export class AuthorizationCodesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async issue(grant: CodeGrant): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    await this.dataSource.query(ISSUE_SQL, [
      hashCode(code),
      grant.clientId,
      grant.userId,
      grant.redirectUri,
      grant.codeChallenge,
      grant.nonce,
      grant.scope,
      grant.acr,
      grant.amr,
      grant.authTime,
      CODE_TTL_SECONDS,
    ]);
    return code;
  }

  /** The code, used up by this call; null when unknown, expired, used, or not matching client, URI or verifier. */
  async claim(code: string, clientId: string, redirectUri: string, verifier: string): Promise<ClaimedCode | null> {
    if (code.length > MAX_CODE_LENGTH || !isCodeVerifier(verifier)) return null;
    const [row] = await this.dataSource.query<ClaimedRow[]>(CLAIM_SQL, [
      hashCode(code),
      clientId,
      redirectUri,
      s256(verifier),
    ]);
    if (!row) return null;
    return {
      id: row.id,
      userId: row.user_id,
      scope: row.scope,
      nonce: row.nonce,
      acr: row.acr,
      amr: pgArray(row.amr),
      authTime: new Date(row.auth_time),
    };
  }

  /** Marks a second presentation; the session the first one opened, if any (to revoke). */
  async markReuse(code: string): Promise<{ userId: string; sessionId: string | null } | null> {
    if (code.length > MAX_CODE_LENGTH) return null;
    const [row] = await this.dataSource.query<Array<{ user_id: string; issued_session_id: string | null }>>(
      MARK_REUSE_SQL,
      [hashCode(code)],
    );
    return row ? { userId: row.user_id, sessionId: row.issued_session_id } : null;
  }

  /** Records the session the code opened; false when the code was presented again meanwhile. */
  async bindSession(codeId: string, sessionId: string): Promise<boolean> {
    const [row] = await this.dataSource.query<Array<{ reused_at: Date | null }>>(BIND_SESSION_SQL, [codeId, sessionId]);
    return row !== undefined && row.reused_at === null;
  }
}
