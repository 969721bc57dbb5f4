import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { REVOCATION_CHANNEL, type RevocationTransport, type TransportHandlers } from './revocation-transport.js';

const FIRST_CONNECT_WAIT_MS = 5_000;

/**
 * Redis pub/sub (REDIS_URL). A subscribed connection cannot publish, hence two connections.
 * Pub/sub is not transactional: SessionEventsService publishes after the commit. While the
 * subscriber is disconnected the transport is `down`; on reconnect it subscribes again, then `up`.
 */
export class RedisTransport implements RevocationTransport {
  readonly name = 'redis';
  readonly transactional = false;
  private readonly logger = new Logger('SessionRevocation');
  private readonly subscriber: Redis;
  private readonly publisher: Redis;

  constructor(redisUrl: string) {
    const options = { lazyConnect: true, autoResubscribe: false, maxRetriesPerRequest: 2 };
    this.subscriber = new Redis(redisUrl, options);
    this.publisher = new Redis(redisUrl, options);
  }

  async start(handlers: TransportHandlers): Promise<void> {
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel === REVOCATION_CHANNEL) handlers.message(payload);
    });
    this.subscriber.on('close', () => handlers.down());
    this.subscriber.on('error', (err) => this.logger.warn({ err }, 'Redis subscriber error'));
    this.publisher.on('error', (err) => this.logger.warn({ err }, 'Redis publisher error'));
    const subscribed = new Promise<void>((resolve) => {
      this.subscriber.on('ready', () => {
        this.subscriber.subscribe(REVOCATION_CHANNEL).then(
          () => {
            handlers.up();
            resolve();
          },
          (err: unknown) => {
            this.logger.warn({ err }, 'Redis subscribe failed; dropping the connection to retry');
            this.subscriber.disconnect(true);
          },
        );
      });
    });
    this.subscriber.connect().catch((err: unknown) => this.logger.warn({ err }, 'Redis subscriber connect failed'));
    this.publisher.connect().catch((err: unknown) => this.logger.warn({ err }, 'Redis publisher connect failed'));
    // Start without waiting forever: until subscribed, sessions are read from the database.
    await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, FIRST_CONNECT_WAIT_MS).unref())]);
  }

  async publish(payload: string): Promise<void> {
    await this.publisher.publish(REVOCATION_CHANNEL, payload);
  }

  async stop(): Promise<void> {
    this.subscriber.removeAllListeners('close');
    await Promise.all([this.subscriber.quit().catch(() => undefined), this.publisher.quit().catch(() => undefined)]);
  }
}
