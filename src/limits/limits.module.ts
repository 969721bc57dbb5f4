import { Module } from '@nestjs/common';
import { LimitsRedis } from './limits-redis.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { MemoryWindowStore, RATE_LIMIT_STORE, RedisWindowStore } from './rate-limit.storage.js';

/**
 * Abuse limits: the per-account login back-off (LoginThrottleService) and the store of the
 * global RateLimitGuard, both in Redis when REDIS_URL is set (shared by every instance).
 */
@Module({
  providers: [
    LimitsRedis,
    LoginThrottleService,
    {
      provide: RATE_LIMIT_STORE,
      useFactory: (redis: LimitsRedis) => (redis.client ? new RedisWindowStore(redis.client) : new MemoryWindowStore()),
      inject: [LimitsRedis],
    },
  ],
  exports: [LoginThrottleService, RATE_LIMIT_STORE, LimitsRedis],
})
export class LimitsModule {}
