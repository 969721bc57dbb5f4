import { Redis } from 'ioredis';

/** Redis for the Redis variants of the tests (CI sets it for the Postgres run). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;

/**
 * Forgets the login counters and rate-limit windows a previous run left in the test Redis, so
 * that a rerun within the windows starts clean (the database is reset; Redis is not).
 */
export async function clearRedisLimits(url: string | undefined = TEST_REDIS_URL): Promise<void> {
  if (!url) return;
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    for (const pattern of ['warden:login:*', 'warden:rate:*']) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
