import pg from 'pg';
import type { DataSource } from 'typeorm';
import { getPGliteInstance } from 'typeorm-pglite';

/** The channel the users trigger (migration UserChangeNotify) announces changed user ids on. */
export const USER_CHANGED_CHANNEL = 'warden_user_changed';

export interface ChangeHandlers {
  changed(userId: string): void;
  /** The feed stopped (or started again): what was cached meanwhile may have missed a change. */
  reset(): void;
}

export interface ChangeFeed {
  /** True while every committed change is known to reach `changed`. */
  readonly live: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const RECONNECT_MS = 1000;
/** A listener connection that silently died would miss changes: it is probed this often. */
const HEARTBEAT_MS = 5000;
const TIMEOUT_MS = 3000;

/** LISTEN on a dedicated Postgres connection; reconnects on its own; `live` only while listening. */
export class PostgresChangeFeed implements ChangeFeed {
  live = false;
  private client?: pg.Client;
  private heartbeat?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly connectionString: string,
    private readonly handlers: ChangeHandlers,
  ) {}

  start(): Promise<void> {
    return this.connect();
  }

  private async connect(): Promise<void> {
    this.retry = undefined;
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: 'warden-user-changes',
      connectionTimeoutMillis: TIMEOUT_MS,
      query_timeout: TIMEOUT_MS,
      keepAlive: true,
    });
    client.on('error', () => this.down(client));
    client.on('end', () => this.down(client));
    client.on('notification', (message) => {
      if (message.channel === USER_CHANGED_CHANNEL && message.payload) this.handlers.changed(message.payload);
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${USER_CHANGED_CHANNEL}`);
      if (this.client !== client || this.stopped) return;
      this.live = true;
      this.handlers.reset();
      this.heartbeat = setInterval(() => {
        client.query('SELECT 1').catch(() => this.down(client));
      }, HEARTBEAT_MS);
      this.heartbeat.unref();
    } catch {
      this.down(client);
    }
  }

  private down(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.live = false;
    this.handlers.reset();
    clearInterval(this.heartbeat);
    // end() would wait for a goodbye a dead network never delivers.
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    if (!this.stopped && !this.retry) {
      this.retry = setTimeout(() => void this.connect(), RECONNECT_MS);
      this.retry.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.live = false;
    clearInterval(this.heartbeat);
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client)
      await Promise.race([client.end().catch(() => undefined), new Promise((r) => setTimeout(r, TIMEOUT_MS))]);
  }
}

/** The embedded database is one in-process session: its notifications cannot be lost. */
export class PGliteChangeFeed implements ChangeFeed {
  live = false;
  private unlisten?: () => Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly handlers: ChangeHandlers,
  ) {}

  async start(): Promise<void> {
    // Hold the (serialised) session while LISTEN runs, so it never lands inside another query
    // runner's transaction (src/config/pglite-pool.ts).
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const pglite = await getPGliteInstance();
      this.unlisten = await pglite.listen(USER_CHANGED_CHANNEL, (userId) => this.handlers.changed(userId));
      this.live = true;
    } finally {
      await runner.release();
    }
  }

  async stop(): Promise<void> {
    this.live = false;
    await this.unlisten?.().catch(() => undefined);
  }
}
