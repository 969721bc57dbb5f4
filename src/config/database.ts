import { join } from 'node:path';
import pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { allMigrations } from '../../migrations/index.js';
import { AuthEvent } from '../audit/auth-event.entity.js';
import { AuthorizationCode } from '../authorize/authorization-code.entity.js';
import { OAuthConsent } from '../authorize/oauth-consent.entity.js';
import { PendingAuthorization } from '../authorize/pending-authorization.entity.js';
import { OAuthClient } from '../clients/oauth-client.entity.js';
import { FederatedIdentity } from '../federation/federated-identity.entity.js';
import { FederationState } from '../federation/federation-state.entity.js';
import { LoginThrottle } from '../limits/login-throttle.entity.js';
import { MailOutbox } from '../mail/mail-outbox.entity.js';
import { MfaChallenge } from '../mfa/mfa-challenge.entity.js';
import { MfaFactor } from '../mfa/mfa-factor.entity.js';
import { RecoveryCode } from '../mfa/recovery-code.entity.js';
import { PasskeyChallenge } from '../passkeys/passkey-challenge.entity.js';
import { PasskeyUserHandle } from '../passkeys/passkey-user-handle.entity.js';
import { Passkey } from '../passkeys/passkey.entity.js';
import { RefreshToken } from '../sessions/refresh-token.entity.js';
import { Session } from '../sessions/session.entity.js';
import { EmailCode } from '../users/email-code.entity.js';
import { PasswordResetToken } from '../users/password-reset-token.entity.js';
import { User } from '../users/user.entity.js';
import { pgliteDriver } from './pglite-pool.js';
import { preparedName } from './prepared-statements.js';

export const ENTITIES = [
  User,
  Session,
  RefreshToken,
  EmailCode,
  PasswordResetToken,
  MfaFactor,
  MfaChallenge,
  RecoveryCode,
  MailOutbox,
  LoginThrottle,
  AuthEvent,
  Passkey,
  PasskeyUserHandle,
  PasskeyChallenge,
  AuthorizationCode,
  OAuthConsent,
  PendingAuthorization,
  OAuthClient,
  FederatedIdentity,
  FederationState,
];

export interface DatabaseSettings {
  /** Postgres connection string; when absent the embedded PGlite is used. */
  databaseUrl?: string;
  /** Where PGlite keeps its files; `null` keeps it in memory (throwaway tests). */
  dataDir: string | null;
  poolSize?: number;
  /**
   * Seconds a statement may take (the app's requests; the migration CLI has none). Postgres
   * cancels it (statement_timeout); the client gives up half a second later and drops the
   * connection, which is what a network that silently stopped answering needs.
   */
  queryTimeoutSeconds?: number;
}

/** pg's client-side timeout error (pg/lib/client.js). */
const QUERY_READ_TIMEOUT = 'Query read timeout';

/**
 * A pg Client that closes its socket when a query timed out on the client side. pg leaves such a
 * client waiting for the lost answer, and the pool would hand it out again; destroyed, it
 * raises `error`, and TypeORM and the pool discard it. It also runs the texts registered with
 * prepared() as named statements (TypeORM passes a text and its parameters).
 */
class FailFastClient extends pg.Client {}
const baseQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(FailFastClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
  this: pg.Client,
  ...args: unknown[]
) {
  const name = typeof args[0] === 'string' && args.length === 2 ? preparedName(args[0]) : undefined;
  if (name) args = [{ name, text: args[0], values: args[1] }];
  const result = baseQuery.apply(this, args);
  if (result instanceof Promise) {
    result.catch((error: unknown) => {
      if ((error as Error)?.message === QUERY_READ_TIMEOUT) {
        (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      }
    });
  }
  return result;
};

/** How long a request waits for a pooled connection before the database counts as unavailable. */
const CONNECT_TIMEOUT_MS = 3000;

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
      extra: {
        max: settings.poolSize ?? 10,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        ...(settings.queryTimeoutSeconds
          ? {
              Client: FailFastClient,
              statement_timeout: settings.queryTimeoutSeconds * 1000,
              query_timeout: settings.queryTimeoutSeconds * 1000 + 500,
            }
          : {}),
      },
    };
  }
  const dir = settings.dataDir === null ? undefined : join(settings.dataDir, 'pglite');
  return { ...common, driver: pgliteDriver(dir) };
}
