import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { sha256Hex } from '../common/secrets.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { newOpaqueToken } from '../sessions/sessions.service.js';
import type { MfaChallengeFlow } from './mfa-challenge.entity.js';

/** Codes an mfa_token allows; the fifth wrong one ends it. */
export const MAX_MFA_ATTEMPTS = 5;

export interface NewChallenge {
  userId: string;
  /** The identifier as typed, normalised (the back-off counter of the second step). */
  login: string;
  /** The password hash the first step verified (null: the account has none, e.g. a sign-in at another provider). */
  passwordHash: string | null;
  /** What the first step proved: `pwd` (default) or `fed`. */
  firstFactor?: 'pwd' | 'fed';
  scope: string | undefined;
  flow: MfaChallengeFlow;
}

export interface ClaimedChallenge {
  id: string;
  userId: string;
  login: string;
  scope: string | null;
  /** True while the account still has the password hash the first step verified. */
  samePassword(passwordHash: string | null): boolean;
  firstFactor: string;
}

const CREATE_SQL = `INSERT INTO mfa_challenges (token_hash, user_id, login, password_digest, scope, flow, expires_at, first_factor)
  VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7), $8)`;

// One attempt is taken atomically per code presented, so parallel guesses cannot exceed the limit.
// (As a CTE, so that both drivers answer the rows alone.)
const CLAIM_SQL = `WITH claimed AS (
    UPDATE mfa_challenges SET attempts = attempts + 1
     WHERE token_hash = $1 AND flow = $2 AND used_at IS NULL AND expires_at > now() AND attempts < $3
    RETURNING id, user_id, login, password_digest, scope, first_factor
  ) SELECT * FROM claimed`;

const CONSUME_SQL = `WITH used AS (
    UPDATE mfa_challenges SET used_at = now() WHERE id = $1 AND used_at IS NULL RETURNING id
  ) SELECT id FROM used`;

/** The mfa_token of a login's pending second step: issued, claimed per code, used once. */
@Injectable()
export class MfaChallengesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** A new challenge; the returned mfa_token is never stored, only its hash. */
  async create(challenge: NewChallenge): Promise<string> {
    const token = newOpaqueToken();
    await this.dataSource.query(CREATE_SQL, [
      sha256Hex(token),
      challenge.userId,
      challenge.login.slice(0, 320),
      sha256Hex(challenge.passwordHash ?? ''),
      challenge.scope ?? null,
      challenge.flow,
      this.config.mfaTokenTtl,
      challenge.firstFactor ?? 'pwd',
    ]);
    return token;
  }

  /** Takes one of the token's attempts; null when it is unknown, of another flow, used, expired or out of attempts. */
  async claim(token: string, flow: MfaChallengeFlow): Promise<ClaimedChallenge | null> {
    if (!token || token.length > 512) return null;
    const [row] = await this.dataSource.query<Array<Record<string, string | null>>>(CLAIM_SQL, [
      sha256Hex(token),
      flow,
      MAX_MFA_ATTEMPTS,
    ]);
    if (!row) return null;
    const digest = row.password_digest as string;
    return {
      id: row.id as string,
      userId: row.user_id as string,
      login: row.login as string,
      scope: row.scope,
      samePassword: (passwordHash) => sha256Hex(passwordHash ?? '') === digest,
      firstFactor: row.first_factor as string,
    };
  }

  /** Marks the challenge used; false when another request used it first. */
  async consume(id: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(CONSUME_SQL, [id]);
    return rows.length === 1;
  }
}
