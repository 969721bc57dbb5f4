import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/**
 * Readiness's own small Redis connection (when REDIS_URL is set): PING answers, or the instance
 * is not ready. Commands fail at once while disconnected (no offline queue), and the client
 * keeps reconnecting in the background, so readiness turns 200 again when Redis returns.
 */
@Injectable()
export class RedisProbe implements OnApplicationShutdown {
  private readonly client?: Redis;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.redisUrl) return;
    this.client = new Redis(config.redisUrl, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 1000),
      connectionName: 'warden-readiness',
    });
    // Failures show up as a 503 from /health/ready; the event itself is expected during an outage.
    this.client.on('error', () => undefined);
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  async ping(): Promise<void> {
    if (!this.client) return;
    if (this.client.status === 'wait') await this.client.connect();
    await this.client.ping();
  }

  onApplicationShutdown(): void {
    this.client?.disconnect();
  }
}
