import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AuthorizeParams } from './authorize-request.js';

/** A consent request lives this long between showing /consent and the answer. */
export const PENDING_TTL_SECONDS = 600;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The union of what was allowed before and now: a later request within it is not asked again.
const GRANT_SQL = `INSERT INTO oauth_consents (user_id, client_id, scopes) VALUES ($1, $2, $3::text[])
  ON CONFLICT (user_id, client_id) DO UPDATE
    SET scopes = ARRAY(SELECT DISTINCT unnest(oauth_consents.scopes || EXCLUDED.scopes) ORDER BY 1), updated_at = now()`;

const COVERED_SQL = `SELECT 1 AS covered FROM oauth_consents WHERE user_id = $1 AND client_id = $2 AND scopes @> $3::text[]`;

const PEND_SQL = `INSERT INTO oauth_pending_authorizations (user_id, client_id, params, expires_at)
  VALUES ($1, $2, $3::jsonb, now() + make_interval(secs => $4)) RETURNING id`;

const PENDING_SQL = `SELECT params FROM oauth_pending_authorizations
  WHERE id = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > now()`;

// Answered once, by the user it was shown to, before it expires.
const ANSWER_SQL = `WITH answered AS (
    UPDATE oauth_pending_authorizations SET used_at = now()
     WHERE id = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > now()
    RETURNING params
  ) SELECT params FROM answered`;

function parsed(params: AuthorizeParams | string): AuthorizeParams {
  return typeof params === 'string' ? (JSON.parse(params) as AuthorizeParams) : params;
}

/** Consents given (once per user, client and scopes) and the requests waiting on /consent. */
@Injectable()
export class ConsentsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async covers(userId: string, clientId: string, scopes: string[]): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(COVERED_SQL, [userId, clientId, scopes]);
    return rows.length > 0;
  }

  async grant(userId: string, clientId: string, scopes: string[]): Promise<void> {
    await this.dataSource.query(GRANT_SQL, [userId, clientId, scopes]);
  }

  /** Keeps the request for /consent; the id that names it there. */
  async pend(userId: string, params: AuthorizeParams): Promise<string> {
    const [row] = await this.dataSource.query<Array<{ id: string }>>(PEND_SQL, [
      userId,
      params.clientId,
      JSON.stringify(params),
      PENDING_TTL_SECONDS,
    ]);
    return row.id;
  }

  /** The waiting request of this user (not used up); null when unknown, someone else's, answered or expired. */
  async pending(id: string, userId: string): Promise<AuthorizeParams | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.dataSource.query<Array<{ params: AuthorizeParams | string }>>(PENDING_SQL, [id, userId]);
    return row ? parsed(row.params) : null;
  }

  /** Takes the waiting request for its answer (once). */
  async answer(id: string, userId: string): Promise<AuthorizeParams | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.dataSource.query<Array<{ params: AuthorizeParams | string }>>(ANSWER_SQL, [id, userId]);
    return row ? parsed(row.params) : null;
  }
}
