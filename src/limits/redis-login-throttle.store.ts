import type { Redis } from 'ioredis';
import { type BackoffPolicy, FAILURE_MEMORY_SECONDS } from './backoff.js';
import type { LoginThrottleStore, Reservation, ThrottleCounter } from './login-throttle.store.js';

/**
 * The same check-and-count as the Postgres store, as one Lua script (atomic in Redis). Times
 * come from the Redis server's clock so that instances with skewed clocks agree. Keys of one
 * account share a hash tag, so the script also runs on Redis Cluster.
 * KEYS: counters; ARGV: each counter's threshold, then base, cap and memory in milliseconds.
 */
const RESERVE = `
local n = #KEYS
local base, cap, memory = tonumber(ARGV[n + 1]), tonumber(ARGV[n + 2]), tonumber(ARGV[n + 3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i = 1, n do
  local blocked = tonumber(redis.call('HGET', KEYS[i], 'until') or '0')
  if blocked - now > wait then wait = blocked - now end
end
if wait > 0 then return {0, wait} end
local locked = 0
for i = 1, n do
  local failures = tonumber(redis.call('HGET', KEYS[i], 'failures') or '0')
  local last = tonumber(redis.call('HGET', KEYS[i], 'last') or '0')
  if now - last > memory then failures = 0 end
  failures = failures + 1
  local threshold = tonumber(ARGV[i])
  local blocked = 0
  if failures >= threshold then
    blocked = now + math.floor(math.min(base * 2 ^ math.min(failures - threshold, 30), cap))
    locked = 1
  end
  redis.call('HSET', KEYS[i], 'failures', failures, 'last', now, 'until', blocked)
  redis.call('PEXPIRE', KEYS[i], memory + cap)
end
return {1, locked}
`;

export class RedisLoginThrottleStore implements LoginThrottleStore {
  readonly inDatabase = false;

  constructor(
    private readonly redis: Redis,
    private readonly policy: BackoffPolicy,
  ) {}

  private keyOf(counter: ThrottleCounter): string {
    return `warden:login:{${counter.group}}:${counter.id}`;
  }

  async reserve(counters: ThrottleCounter[]): Promise<Reservation> {
    const [allowed, value] = (await this.redis.eval(
      RESERVE,
      counters.length,
      ...counters.map((c) => this.keyOf(c)),
      ...counters.map((c) => c.threshold),
      this.policy.base * 1000,
      this.policy.cap * 1000,
      FAILURE_MEMORY_SECONDS * 1000,
    )) as [number, number];
    if (allowed === 1) return { allowed: true, lockedNow: value === 1 };
    return { allowed: false, retryAfter: Math.max(1, Math.ceil(value / 1000)) };
  }

  async clear(counters: ThrottleCounter[]): Promise<void> {
    await this.redis.del(...counters.map((c) => this.keyOf(c)));
  }
}
