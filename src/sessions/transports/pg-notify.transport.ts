import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { type ListenerMetrics, PgListener } from '../../common/pg-listener.js';
import {
  pgNotify,
  REVOCATION_CHANNEL,
  type RevocationTransport,
  type TransportHandlers,
} from './revocation-transport.js';

/** Shows the listener in pg_stat_activity. */
const LISTENER_APPLICATION_NAME = 'warden-revocation-listener';

/** Postgres LISTEN/NOTIFY: revocations are heard on the app's dedicated listener connection. */
export class PgNotifyTransport implements RevocationTransport {
  readonly name = 'postgres';
  readonly transactional = true;
  private readonly logger = new Logger('SessionRevocation');
  private listener?: PgListener;

  constructor(
    private readonly databaseUrl: string,
    private readonly dataSource: DataSource,
    private readonly metrics?: ListenerMetrics,
  ) {}

  async start(handlers: TransportHandlers): Promise<void> {
    this.listener = new PgListener({
      connectionString: this.databaseUrl,
      applicationName: LISTENER_APPLICATION_NAME,
      metrics: this.metrics,
      status: {
        up: () => handlers.up(),
        down: (err) => {
          handlers.down();
          this.logger.warn({ err }, 'Revocation listener lost; reconnecting');
        },
      },
    });
    this.listener.subscribe(REVOCATION_CHANNEL, (payload) => {
      if (payload) handlers.message(payload);
    });
    await this.listener.start();
  }

  publish(payload: string, manager?: EntityManager): Promise<void> {
    return pgNotify(manager ?? this.dataSource.manager, payload);
  }

  async stop(): Promise<void> {
    await this.listener?.stop();
  }
}
