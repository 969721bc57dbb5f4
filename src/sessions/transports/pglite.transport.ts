import { getPGliteInstance } from 'typeorm-pglite';
import type { DataSource, EntityManager } from 'typeorm';
import {
  pgNotify,
  REVOCATION_CHANNEL,
  type RevocationTransport,
  type TransportHandlers,
} from './revocation-transport.js';

/**
 * The embedded PGlite is one in-process Postgres session shared by every DataSource of the
 * process (tests run two app instances on it). LISTEN goes through the serialised pool so that
 * it never lands inside another query runner's transaction; pg_notify keeps Postgres' rule that
 * a notification is delivered on commit.
 */
export class PgliteTransport implements RevocationTransport {
  readonly name = 'pglite';
  readonly transactional = true;
  private unsubscribe?: () => void;

  constructor(private readonly dataSource: DataSource) {}

  async start(handlers: TransportHandlers): Promise<void> {
    await this.dataSource.query(`LISTEN ${REVOCATION_CHANNEL}`);
    const pglite = await getPGliteInstance();
    this.unsubscribe = pglite.onNotification((channel, payload) => {
      if (channel === REVOCATION_CHANNEL && payload) handlers.message(payload);
    });
    handlers.up();
  }

  publish(payload: string, manager?: EntityManager): Promise<void> {
    return pgNotify(manager ?? this.dataSource.manager, payload);
  }

  stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    return Promise.resolve();
  }
}
