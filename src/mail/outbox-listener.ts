import type { Logger } from '@nestjs/common';
import pg from 'pg';

const RECONNECT_MS = 5000;

/**
 * A dedicated Postgres connection that LISTENs on the outbox channel, so a mail committed by any
 * instance wakes every dispatcher at once. When the connection drops it reconnects; meanwhile
 * the dispatcher's slow poll still finds the mail.
 */
export class OutboxListener {
  private client?: pg.Client;
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(
    private readonly databaseUrl: string,
    private readonly channel: string,
    private readonly onNotify: () => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5000 });
    this.client = client;
    client.on('notification', () => this.onNotify());
    client.on('error', (error: Error) => this.retry(client, error));
    client.on('end', () => this.retry(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      // Mail committed while we were not listening is picked up now rather than at the next poll.
      this.onNotify();
    } catch (error) {
      this.retry(client, error as Error);
    }
  }

  private retry(client: pg.Client, error?: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    // The message only (a connection error may carry the host, never the URL's password).
    this.logger.warn(
      { error: error?.message ?? 'connection ended' },
      'Mail outbox LISTEN connection lost; reconnecting',
    );
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => void this.connect(), RECONNECT_MS);
    this.reconnectTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}
