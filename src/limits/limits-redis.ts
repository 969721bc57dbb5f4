import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** The Redis connection of the login counters and the rate limits; null without REDIS_URL. */
@Injectable()
export class LimitsRedis implements OnModuleDestroy {
  readonly client: Redis | null;
  private readonly logger = new Logger('Limits');

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // lazyConnect: connects on the first command; a few retries, then the command fails.
    this.client = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 }) : null;
    this.client?.on('error', (err) => this.logger.warn({ err }, 'Redis (limits) error'));
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.client) return;
    // Never connected, or reconnecting: nothing to say goodbye to.
    if (this.client.status !== 'ready') return this.client.disconnect();
    await this.client.quit().catch(() => this.client?.disconnect());
  }
}
