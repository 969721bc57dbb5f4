import type { Redis } from 'ioredis';
import { type BackoffPolicy, FAILURE_MEMORY_SECONDS } from './backoff.js';
import {
  type LoginThrottleStore,
  type Reservation,
  SLOT_LEASE_SECONDS,
  type ThrottleCounter,
} from './login-throttle.store.js';

/**
 * The same steps as the Postgres store's functions, as Lua scripts (atomic in Redis). Times
 * come from the Redis server's clock so that instances with skewed clocks agree. Keys of one
 * account share a hash tag, so the scripts also run on Redis Cluster. Each hash holds
 * `failures`, `last` (last failure), `until` (end of the wait), `flight` and `flight_at`.
 */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function num(key, field) return tonumber(redis.call('HGET', key, field) or '0') end
`;

/** KEYS: counters; ARGV: each counter's threshold, then memory and lease in milliseconds. */
const RESERVE = `${NOW}
local n = #KEYS
local memory, lease = tonumber(ARGV[n + 1]), tonumber(ARGV[n + 2])
local wait = 0
for i = 1, n do
  local blocked = num(KEYS[i], 'until')
  if blocked - now > wait then wait = blocked - now end
end
if wait > 0 then return {0, wait} end
local flights = {}
for i = 1, n do
  local failures = num(KEYS[i], 'failures')
  if now - num(KEYS[i], 'last') > memory then failures = 0 end
  local flight = num(KEYS[i], 'flight')
  if now - num(KEYS[i], 'flight_at') > lease then flight = 0 end
  if flight >= math.max(tonumber(ARGV[i]) - failures, 1) then return {2, 0} end
  flights[i] = flight
end
for i = 1, n do
  redis.call('HSET', KEYS[i], 'flight', flights[i] + 1, 'flight_at', now)
  redis.call('PEXPIRE', KEYS[i], memory + lease)
end
return {1, 0}
`;

/** KEYS: counters; ARGV: each counter's threshold, then base, cap and memory in milliseconds. */
const FAIL = `${NOW}
local n = #KEYS
local base, cap, memory = tonumber(ARGV[n + 1]), tonumber(ARGV[n + 2]), tonumber(ARGV[n + 3])
local locked = 0
for i = 1, n do
  local failures = num(KEYS[i], 'failures')
  if now - num(KEYS[i], 'last') > memory then failures = 0 end
  failures = failures + 1
  local threshold = tonumber(ARGV[i])
  local blocked = 0
  if failures >= threshold then
    blocked = now + math.floor(math.min(base * 2 ^ math.min(failures - threshold, 30), cap))
    locked = 1
  end
  redis.call('HSET', KEYS[i], 'failures', failures, 'last', now, 'until', blocked,
    'flight', math.max(num(KEYS[i], 'flight') - 1, 0))
  redis.call('PEXPIRE', KEYS[i], memory + cap)
end
return locked
`;

/** KEYS: counters; ARGV[1]: 1 to start the streak over as well. */
const SETTLE = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    local flight = math.max(tonumber(redis.call('HGET', KEYS[i], 'flight') or '0') - 1, 0)
    if ARGV[1] == '1' then
      redis.call('HSET', KEYS[i], 'failures', 0, 'until', 0, 'flight', flight)
    else
      redis.call('HSET', KEYS[i], 'flight', flight)
    end
  end
end
return 0
`;

export class RedisLoginThrottleStore implements LoginThrottleStore {
  constructor(
    private readonly redis: Redis,
    private readonly policy: BackoffPolicy,
  ) {}

  private keysOf(counters: ThrottleCounter[]): string[] {
    return counters.map((c) => `warden:login:{${c.group}}:${c.id}`);
  }

  async reserve(counters: ThrottleCounter[]): Promise<Reservation> {
    const [outcome, wait] = (await this.redis.eval(
      RESERVE,
      counters.length,
      ...this.keysOf(counters),
      ...counters.map((c) => c.threshold),
      FAILURE_MEMORY_SECONDS * 1000,
      SLOT_LEASE_SECONDS * 1000,
    )) as [number, number];
    if (outcome === 1) return { outcome: 'verify' };
    if (outcome === 2) return { outcome: 'busy' };
    return { outcome: 'wait', retryAfter: Math.max(1, Math.ceil(wait / 1000)) };
  }

  async fail(counters: ThrottleCounter[]): Promise<boolean> {
    const locked = (await this.redis.eval(
      FAIL,
      counters.length,
      ...this.keysOf(counters),
      ...counters.map((c) => c.threshold),
      this.policy.base * 1000,
      this.policy.cap * 1000,
      FAILURE_MEMORY_SECONDS * 1000,
    )) as number;
    return locked === 1;
  }

  async reset(counters: ThrottleCounter[]): Promise<void> {
    await this.redis.eval(SETTLE, counters.length, ...this.keysOf(counters), 1);
  }

  async release(counters: ThrottleCounter[]): Promise<void> {
    await this.redis.eval(SETTLE, counters.length, ...this.keysOf(counters), 0);
  }

  /** The outcome lives in Postgres, the counters here: settled right after it. */
  async succeed<T>(counters: ThrottleCounter[], write: (keys: string[]) => Promise<T | null>): Promise<T | null> {
    const result = await write([]);
    await (result === null ? this.release(counters) : this.reset(counters));
    return result;
  }

  /** Redis expires the keys itself. */
  prune(): Promise<void> {
    return Promise.resolve();
  }
}
