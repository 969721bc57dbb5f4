import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import {
  pgNotify,
  REVOCATION_CHANNEL,
  type RevocationTransport,
  type TransportHandlers,
} from './revocation-transport.js';

const PING_INTERVAL_MS = 15_000;
const PING_TIMEOUT_MS = 5_000;
const MAX_BACKOFF_MS = 10_000;
/** Shows the listener in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'warden-revocation-listener';

/**
 * Postgres LISTEN/NOTIFY on one dedicated connection (a pooled one could be handed to a query
 * runner mid-LISTEN). A lost connection is reported as `down` at once and retried with back-off;
 * a periodic ping notices a connection that died silently.
 */
export class PgNotifyTransport implements RevocationTransport {
  readonly name = 'postgres';
  readonly transactional = true;
  private readonly logger = new Logger('SessionRevocation');
  private client?: pg.Client;
  private handlers?: TransportHandlers;
  private stopped = false;
  private backoffMs = 250;
  private reconnectTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;

  constructor(
    private readonly databaseUrl: string,
    private readonly dataSource: DataSource,
  ) {}

  async start(handlers: TransportHandlers): Promise<void> {
    this.handlers = handlers;
    await this.connect();
  }

  publish(payload: string, manager?: EntityManager): Promise<void> {
    return pgNotify(manager ?? this.dataSource.manager, payload);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      keepAlive: true,
      application_name: LISTENER_APPLICATION_NAME,
    });
    this.client = client;
    client.on('notification', (msg) => {
      if (msg.channel === REVOCATION_CHANNEL && msg.payload) this.handlers?.message(msg.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.client !== client) {
      // Stopped (or replaced) while connecting: do not leave the connection behind.
      await client.end().catch(() => undefined);
      return;
    }
    this.backoffMs = 250;
    this.pingTimer = setInterval(() => this.ping(client), PING_INTERVAL_MS);
    this.pingTimer.unref();
    this.handlers?.up();
  }

  private ping(client: pg.Client): void {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ping timeout')), PING_TIMEOUT_MS);
    });
    Promise.race([client.query('SELECT 1'), timeout])
      .catch((err: unknown) => this.lost(client, err))
      .finally(() => clearTimeout(timer));
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (client !== this.client) return;
    this.client = undefined;
    clearInterval(this.pingTimer);
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.handlers?.down();
    this.logger.warn({ err }, `Revocation listener lost; reconnecting in ${this.backoffMs} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, this.backoffMs);
    this.reconnectTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }
}
