/**
 * Jest runs test files in parallel workers. Each worker gets its own Postgres database and its
 * own Redis logical database, derived from the ones the run was given, so that one file's reset
 * never empties another's tables or counters: worker N of a run on `.../test` uses `.../test_wN`,
 * and worker N of a run on Redis DB d uses DB d + N - 1.
 */
export function workerId(): number {
  return Number(process.env.JEST_WORKER_ID ?? '1');
}

export function workerDatabaseUrl(base: string, worker: number = workerId()): string {
  const url = new URL(base);
  url.pathname = `/${databaseName(base)}_w${worker}`;
  return url.toString();
}

export function databaseName(base: string): string {
  const name = decodeURIComponent(new URL(base).pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`test database name must be [A-Za-z0-9_]+: "${name}"`);
  return name;
}

export function workerRedisUrl(base: string, worker: number = workerId()): string {
  const url = new URL(base);
  const db = Number(url.pathname.replace(/^\//, '') || '0') + worker - 1;
  if (!Number.isInteger(db) || db > 15) throw new Error(`no Redis database ${db} for worker ${worker} of ${base}`);
  url.pathname = `/${db}`;
  return url.toString();
}
