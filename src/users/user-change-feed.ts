import type { DataSource } from 'typeorm';
import { getPGliteInstance } from 'typeorm-pglite';
import { type ListenerMetrics, PgListener } from '../common/pg-listener.js';

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

/** LISTEN on the app's dedicated listener connection; `live` only while listening. */
export class PostgresChangeFeed implements ChangeFeed {
  private readonly listener: PgListener;

  constructor(connectionString: string, handlers: ChangeHandlers, metrics?: ListenerMetrics) {
    // Going down or coming back both reset: what was cached meanwhile may have missed a change.
    this.listener = new PgListener({
      connectionString,
      applicationName: 'warden-user-changes',
      metrics,
      status: { up: () => handlers.reset(), down: () => handlers.reset() },
    });
    this.listener.subscribe(USER_CHANGED_CHANNEL, (userId) => {
      if (userId) handlers.changed(userId);
    });
  }

  get live(): boolean {
    return this.listener.live;
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  stop(): Promise<void> {
    return this.listener.stop();
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
