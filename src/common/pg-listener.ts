import pg from 'pg';

/** Counts the connections a listener lost and is re-establishing (the metrics module implements it). */
export interface ListenerMetrics {
  listenerReconnect(listener: string): void;
}

export interface ListenerStatus {
  /** Listening on every subscribed channel: from now on no notification can be missed. */
  up(): void;
  /** The connection is lost: notifications may be missed until `up` again. */
  down(error?: unknown): void;
}

export interface PgListenerOptions {
  connectionString: string;
  /** Shows the connection in pg_stat_activity, and labels the reconnect metric. */
  applicationName: string;
  status?: ListenerStatus;
  metrics?: ListenerMetrics;
}

/** A connection that silently died would miss notifications: it is probed this often. */
const HEARTBEAT_MS = 5_000;
/** Connecting, and each probe, give up after this long. */
const TIMEOUT_MS = 3_000;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;
const CHANNEL = /^[a-z_][a-z0-9_]*$/;

/**
 * LISTEN on one dedicated Postgres connection (a pooled one could be handed to a query runner
 * mid-LISTEN). A lost connection is reported as `down` at once and retried with doubling
 * back-off; a periodic probe notices a connection that died without a word.
 */
export class PgListener {
  private readonly handlers = new Map<string, Array<(payload: string) => void>>();
  private client?: pg.Client;
  private listening = false;
  private stopped = false;
  private backoffMs = FIRST_BACKOFF_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly options: PgListenerOptions) {}

  /** True while connected and listening on every subscribed channel. */
  get live(): boolean {
    return this.listening;
  }

  /** Call before `start`. `payload` is '' for a notification without one. */
  subscribe(channel: string, handler: (payload: string) => void): void {
    if (!CHANNEL.test(channel)) throw new Error(`Not a plain channel name: ${channel}`);
    if (this.client) throw new Error('Subscribe before the listener starts');
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  /** Resolves after the first attempt to connect, whether it succeeded or is being retried. */
  start(): Promise<void> {
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    if (client) {
      // A dead network never answers end(): it is given a short while only.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise((resolve) => (timer = setTimeout(resolve, TIMEOUT_MS)));
      await Promise.race([client.end().catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName,
      connectionTimeoutMillis: TIMEOUT_MS,
      query_timeout: TIMEOUT_MS,
      keepAlive: true,
    });
    this.client = client;
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.client !== client) {
      // Stopped (or replaced) while connecting: do not leave the connection behind.
      await client.end().catch(() => undefined);
      return;
    }
    this.backoffMs = FIRST_BACKOFF_MS;
    this.listening = true;
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((error: unknown) => this.lost(client, error));
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    this.options.status?.up();
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.listening = false;
    clearInterval(this.heartbeat);
    client.removeAllListeners();
    client.on('error', () => undefined);
    // end() would wait for a goodbye a dead network never delivers.
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    if (this.stopped) return;
    this.options.status?.down(error);
    this.options.metrics?.listenerReconnect(this.options.applicationName);
    this.reconnectTimer = setTimeout(() => void this.connect(), this.backoffMs);
    this.reconnectTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }
}
