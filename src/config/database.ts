import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { allMigrations } from '../../migrations/index.js';
import { AuthEvent } from '../audit/auth-event.entity.js';
import { PasswordResetToken } from '../auth/password-reset-token.entity.js';
import { LoginThrottle } from '../limits/login-throttle.entity.js';
import { MailOutbox } from '../mail/mail-outbox.entity.js';
import { RefreshToken } from '../sessions/refresh-token.entity.js';
import { Session } from '../sessions/session.entity.js';
import { EmailCode } from '../users/email-code.entity.js';
import { User } from '../users/user.entity.js';
import { pgliteDriver } from './pglite-pool.js';

export const ENTITIES = [
  User,
  Session,
  RefreshToken,
  EmailCode,
  PasswordResetToken,
  MailOutbox,
  LoginThrottle,
  AuthEvent,
];

export interface DatabaseSettings {
  /** Postgres connection string; when absent the embedded PGlite is used. */
  databaseUrl?: string;
  /** Where PGlite keeps its files; `null` keeps it in memory (throwaway tests). */
  dataDir: string | null;
  poolSize?: number;
}

/** The one source of TypeORM options for the app, the migration CLI and the tests. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: allMigrations,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto' as const,
  };
  if (settings.databaseUrl) {
    return {
      ...common,
      url: settings.databaseUrl,
      extra: { max: settings.poolSize ?? 10, connectionTimeoutMillis: 5000 },
    };
  }
  const dir = settings.dataDir === null ? undefined : join(settings.dataDir, 'pglite');
  return { ...common, driver: pgliteDriver(dir) };
}
