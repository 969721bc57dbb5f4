import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { LimitsRedis } from '../limits/limits-redis.js';
import type { PasskeyFlow } from './passkey-challenge.entity.js';

/** A challenge lives this long (WebAuthn's recommended ceremony timeout). */
export const CHALLENGE_TTL_SECONDS = 300;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface IssuedChallenge {
  challengeId: string;
  /** base64url of 32 random bytes. */
  challenge: string;
}

const CREATE_SQL = `INSERT INTO passkey_challenges (id, challenge, flow, user_id, expires_at)
  VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`;

// One statement claims the challenge: two requests presenting it at once, on any instance, get
// it once. (As a CTE, so that both drivers answer the rows alone.)
const CONSUME_SQL = `WITH used AS (
    UPDATE passkey_challenges SET used_at = now()
     WHERE id = $1 AND flow = $2 AND user_id IS NOT DISTINCT FROM $3 AND used_at IS NULL AND expires_at > now()
    RETURNING challenge
  ) SELECT challenge FROM used`;

/**
 * The challenges of pending ceremonies, bound to their flow and user (none for a passwordless
 * login, whose user is not known yet), single use, 5 minutes. In Postgres, or in Redis when
 * REDIS_URL is set; either way any instance can finish a ceremony another one started.
 */
@Injectable()
export class PasskeyChallengesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly redis: LimitsRedis,
  ) {}

  async create(flow: PasskeyFlow, userId: string | null): Promise<IssuedChallenge> {
    const challengeId = randomUUID();
    const challenge = randomBytes(32).toString('base64url');
    const client = this.redis.client;
    if (client) await client.set(redisKey(challengeId, flow, userId), challenge, 'EX', CHALLENGE_TTL_SECONDS);
    else await this.dataSource.query(CREATE_SQL, [challengeId, challenge, flow, userId, CHALLENGE_TTL_SECONDS]);
    return { challengeId, challenge };
  }

  /** The challenge, used up by this call; null when unknown, of another flow or user, used or expired. */
  async consume(challengeId: string, flow: PasskeyFlow, userId: string | null): Promise<string | null> {
    if (typeof challengeId !== 'string' || !UUID.test(challengeId)) return null;
    const client = this.redis.client;
    if (client) return client.getdel(redisKey(challengeId.toLowerCase(), flow, userId));
    const [row] = await this.dataSource.query<Array<{ challenge: string }>>(CONSUME_SQL, [challengeId, flow, userId]);
    return row?.challenge ?? null;
  }
}

// The flow and user are part of the key: a challenge presented for another flow or user is not found.
function redisKey(challengeId: string, flow: PasskeyFlow, userId: string | null): string {
  return `warden:passkey-challenge:${flow}:${userId ?? '-'}:${challengeId}`;
}
