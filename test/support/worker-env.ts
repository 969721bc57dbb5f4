import pg from 'pg';
import { workerDatabaseUrl, workerRedisUrl } from './workers.js';

/**
 * Runs before every e2e file (jest `setupFiles`): points the variables that the tests, and the
 * servers and CLI runs they spawn, read at this worker's own database and Redis DB, and creates
 * that database on first use.
 */
const env = process.env;
if (env.TEST_REDIS_URL) env.TEST_REDIS_URL = workerRedisUrl(env.TEST_REDIS_URL);
if (env.REDIS_URL) env.REDIS_URL = workerRedisUrl(env.REDIS_URL);
if (env.TEST_DATABASE_URL) {
  const base = env.TEST_DATABASE_URL;
  env.TEST_DATABASE_URL = workerDatabaseUrl(base);
  await createDatabase(base, new URL(env.TEST_DATABASE_URL).pathname.slice(1));
}

async function createDatabase(base: string, name: string): Promise<void> {
  const admin = await connect(base).catch((error: { code?: string }) => {
    // The base database itself need not exist: any database on the server can create the others.
    if (error.code !== '3D000') throw error;
    const url = new URL(base);
    url.pathname = '/postgres';
    return connect(url.toString());
  });
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by a concurrent run
      });
    }
  } finally {
    await admin.end();
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}
