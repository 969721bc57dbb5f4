import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import { createPino } from '../../src/common/logger.js';
import { type AppConfig, loadConfig } from '../../src/config/app-config.js';
import { openMigratedPglite } from './pglite-snapshot.js';

export const TEST_JWT_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** Postgres when TEST_DATABASE_URL is set, otherwise an in-memory PGlite per test file. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  config: AppConfig;
  dataSource: DataSource;
  /** Every JSON log line the app wrote, for assertions that nothing secret was logged. */
  logs: string[];
  close(): Promise<void>;
}

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    ARGON2_MEMORY_KIB: '19456',
    AUTH_REQUIRE_EMAIL_VERIFICATION: 'false',
    RATE_LIMIT_ENABLED: 'false',
    APP_URL: 'http://localhost:3000',
    ...(TEST_DATABASE_URL ? { DATABASE_URL: TEST_DATABASE_URL } : {}),
    ...overrides,
  };
}

/** Boots the real AppModule over real HTTP on a random port. */
export async function startApp(
  overrides: Record<string, string> = {},
  options: { dataDir?: string; port?: number } = {},
): Promise<TestApp> {
  const config = loadConfig(testEnv(overrides));
  if (!config.databaseUrl && !options.dataDir) await openMigratedPglite();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = await createApp(config, createPino(config.logLevel, sink, config.logFormat), {
    dataDir: options.dataDir ?? null,
  });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    config,
    dataSource: app.get(DataSource),
    logs,
    close: () => app.close(),
  };
}

/** Empties a shared Postgres test database so that each test file starts from scratch. */
export async function resetDatabase(): Promise<void> {
  if (!TEST_DATABASE_URL) return;
  const ds = new DataSource({ type: 'postgres', url: TEST_DATABASE_URL });
  await ds.initialize();
  try {
    await ds.query('DROP SCHEMA IF EXISTS public CASCADE');
    await ds.query('CREATE SCHEMA public');
  } finally {
    await ds.destroy();
  }
}
