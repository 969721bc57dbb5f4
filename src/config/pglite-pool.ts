import { mkdirSync } from 'node:fs';
import { PGliteDriver } from 'typeorm-pglite';
import { PGlitePool } from 'typeorm-pglite/dist/pglite-pool.js';

type ConnectCallback = (err: Error | null, client: PGlitePool | null, release: () => void) => void;

/**
 * PGlite is one Postgres session, shared by every pool in the process. typeorm-pglite's pool hands that session to every query
 * runner at once, so two concurrent transactions would interleave their statements (and one
 * unique violation would abort the other's transaction). This pool gives the session to one
 * query runner at a time and queues the others, which is what a pool of size 1 means.
 */
let sessionBusy = false;
const waiting: Array<() => void> = [];
let openPools = 0;

function acquireSession(): Promise<void> {
  if (!sessionBusy) {
    sessionBusy = true;
    return Promise.resolve();
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function releaseSession(): void {
  const next = waiting.shift();
  if (next) next();
  else sessionBusy = false;
}

class SerializedPGlitePool extends PGlitePool {
  constructor() {
    super();
    openPools += 1;
  }

  override async connect(callback: ConnectCallback): Promise<void> {
    await acquireSession();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      releaseSession();
    };
    await super.connect((err: unknown, client: PGlitePool | null) => callback(err as Error | null, client, release));
  }

  // Several DataSources in one process (tests with two app instances) share the one PGlite
  // instance; only the last to close may close it.
  override end(callback: (err: Error | null) => void): void {
    openPools -= 1;
    if (openPools > 0) return callback(null);
    super.end(callback);
  }
}

/** A TypeORM `driver` for the postgres dialect backed by an embedded PGlite in `dataDir`. */
export function pgliteDriver(dataDir: string | undefined): unknown {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  new PGliteDriver(dataDir ? { dataDir } : {});
  return class {
    static Pool = SerializedPGlitePool;
  };
}
