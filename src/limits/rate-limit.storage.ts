import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

export interface WindowResult {
  allowed: boolean;
  /** Seconds until the oldest counted request leaves the window (when refused: the Retry-After). */
  retryAfter: number;
}

/**
 * A rolling window ("over a rolling minute"): the times of the accepted requests of
 * the last `windowMs`; a request is refused while `limit` of them are in the window. Refused
 * requests are not recorded, so a client that keeps hammering still gets `limit` a minute through.
 */
export interface RateLimitStore {
  hit(key: string, windowMs: number, limit: number): Promise<WindowResult>;
}

function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** One instance's memory (no REDIS_URL). */
export class MemoryWindowStore implements RateLimitStore {
  private readonly hits = new Map<string, number[]>();
  private lastSweep = Date.now();

  constructor(private readonly now: () => number = Date.now) {}

  hit(key: string, windowMs: number, limit: number): Promise<WindowResult> {
    const now = this.now();
    this.sweep(now, windowMs);
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs);
    const allowed = recent.length < limit;
    if (allowed) recent.push(now);
    this.hits.set(key, recent);
    return Promise.resolve({ allowed, retryAfter: secondsUntil(recent[0] + windowMs - now) });
  }

  // Forgets idle clients once a window, without a timer to clean up.
  private sweep(now: number, windowMs: number): void {
    if (now - this.lastSweep < windowMs) return;
    this.lastSweep = now;
    for (const [key, times] of this.hits) {
      if (times[times.length - 1] <= now - windowMs) this.hits.delete(key);
    }
  }
}

/** KEYS[1]: a sorted set of request times; ARGV: window ms, limit, a unique member. Redis's clock. */
const HIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local allowed = 0
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  allowed = 1
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2] or now)
return {allowed, oldest + window - now}
`;

/** The same window in Redis (REDIS_URL), shared by every instance. */
export class RedisWindowStore implements RateLimitStore {
  private readonly logger = new Logger('RateLimit');

  constructor(private readonly redis: Redis) {}

  async hit(key: string, windowMs: number, limit: number): Promise<WindowResult> {
    try {
      const [allowed, leftMs] = (await this.redis.eval(
        HIT,
        1,
        `warden:rate:${key}`,
        windowMs,
        limit,
        randomUUID(),
      )) as [number, number];
      return { allowed: allowed === 1, retryAfter: secondsUntil(leftMs) };
    } catch (err) {
      // The per-IP limit is a first line only (the per-account back-off stays on): fail open.
      this.logger.warn({ err }, 'Rate-limit store unavailable; request let through');
      return { allowed: true, retryAfter: 0 };
    }
  }
}
