import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type AuthProviderConfig, authProvidersConfig } from './auth-providers-config.js';
import { parseDurationSeconds } from './duration.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';
import { type WebauthnConfig, webauthnConfig } from './webauthn-config.js';

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';
export type MailTransportName = 'smtp' | 'log' | 'memory';

export interface AppConfig {
  port: number;
  host: string;
  nodeEnv: string;
  isProduction: boolean;
  appUrl: string;
  databaseUrl?: string;
  dataDir: string;
  dbMigrationsRun: boolean;
  jwt: {
    algorithm: JwtAlgorithm;
    secret?: string;
    privateKeyPem?: string;
    previousSecrets: string[];
    previousPublicKeysPem?: string;
    issuer: string;
    audience: string;
    /** Seconds of signer clock skew excused on `nbf` and `iat` (never on `exp`: expiry is exact). */
    clockTolerance: number;
  };
  accessTokenTtl: number;
  refreshTokenTtl: number;
  refreshReuseGrace: number;
  smtpUrl?: string;
  mailFrom: string;
  /** Where mail goes: SMTP, the log (development), or kept in the process (an in-process test server). */
  mailTransport: MailTransportName;
  mail: {
    /** Slow poll of the outbox; new mail normally wakes the dispatcher at once (NOTIFY / in-process). */
    pollIntervalMs: number;
    /** First retry delay after a failed send; doubles on every further failure (capped at 15 min). */
    retryBaseMs: number;
    /** Sends tried before a mail is marked `failed`. */
    maxAttempts: number;
  };
  redisUrl?: string;
  corsOrigins: string[];
  cookieSecure: boolean;
  requireEmailVerification: boolean;
  otpLength: number;
  otpTtl: number;
  resetTokenTtl: number;
  rateLimitEnabled: boolean;
  /** Which X-Forwarded-For hops are believed (see trust-proxy.ts). */
  trustProxy: TrustProxy;
  introspectionSecret?: string;
  loginMaxFailures: number;
  /** First wait after LOGIN_MAX_FAILURES failures (seconds); doubles per further failure up to loginBackoffMax. */
  loginBackoffBase: number;
  loginBackoffMax: number;
  /** Audit events (auth_events) older than this many seconds are pruned. */
  auditRetention: number;
  /** Ended sessions (revoked or expired) and their refresh tokens are deleted this many seconds after they ended. */
  sessionRetention: number;
  argon2: { memoryKib: number; timeCost: number; parallelism: number };
  passwordMinLength: number;
  logLevel: string;
  /** `pretty` (human-readable, the development default) or `json` (one object a line, everywhere else). */
  logFormat: 'json' | 'pretty';
  /** Bearer token /metrics requires; unset: /metrics is open (keep it off the public network). */
  metricsToken?: string;
  /** Seconds SIGTERM waits for requests in flight before cutting connections. */
  shutdownTimeout: number;
  database: {
    poolSize: number;
    /** Seconds a statement may run (server-side statement_timeout; the client gives up shortly after). */
    queryTimeout: number;
  };
  mfa: {
    /** Issuer shown by authenticator apps (the otpauth URI's label prefix and `issuer`). */
    issuer: string;
    /** MFA_ENCRYPTION_KEY decoded (32 bytes); unset: derived from the JWT key material (see mfa-keys.ts). */
    encryptionKey?: Buffer;
  };
  /** Seconds an mfa_token (the pending second step of a login) lives. */
  mfaTokenTtl: number;
  /** Admin routes need a session at aal2 when the admin has MFA on. */
  mfaRequiredForAdmin: boolean;
  /** Passkeys: the relying party and the origins allowed to run ceremonies; undefined: passkeys are off. */
  webauthn?: WebauthnConfig;
  /** Branding of the hosted pages (UI_TITLE, UI_PRIMARY_COLOR). */
  ui: { title: string; primaryColor: string };
  /** Sign in with another provider (AUTH_PROVIDERS / AUTH_PROVIDERS_FILE); empty: none. */
  authProviders: AuthProviderConfig[];
  /** libuv's threadpool size (UV_THREADPOOL_SIZE, set by the start scripts' preload; libuv's default 4). */
  threadpoolSize: number;
}

/** Thrown for a bad environment value; the message is the one line printed before exiting. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
  }
  return Number(raw);
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

function duration(env: Env, name: string, fallback: string): number {
  const raw = str(env, name) ?? fallback;
  const seconds = parseDurationSeconds(raw);
  if (seconds === undefined || seconds <= 0) {
    throw new ConfigError(`${name} must be a duration like 30s, 10m, 12h, 30d or seconds (got "${raw}")`);
  }
  return seconds;
}

function clockTolerance(env: Env): number {
  const raw = str(env, 'JWT_CLOCK_TOLERANCE') ?? '5s';
  const seconds = parseDurationSeconds(raw);
  if (seconds === undefined || seconds > 300) {
    throw new ConfigError(`JWT_CLOCK_TOLERANCE must be a duration between 0s and 5m (got "${raw}")`);
  }
  return seconds;
}

function url(env: Env, name: string, fallback?: string): string | undefined {
  const raw = str(env, name) ?? fallback;
  if (raw === undefined) return undefined;
  try {
    new URL(raw);
  } catch {
    // The value is not echoed: a URL variable may carry a password (SMTP_URL, DATABASE_URL, REDIS_URL).
    throw new ConfigError(`${name} must be a URL`);
  }
  return raw;
}

function readFileVar(env: Env, name: string): string | undefined {
  const path = str(env, name);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`${name} points to a file that cannot be read: ${path}`);
  }
}

/** 32 bytes as 64 hex digits or base64 (standard or URL-safe, padding optional). */
function encryptionKey(env: Env, name: string): Buffer | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(raw)) key = Buffer.from(raw, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(raw)) key = Buffer.from(raw, 'base64');
  // The value is not echoed: it is a secret.
  if (key?.length !== 32) throw new ConfigError(`${name} must be 32 bytes, as base64 or 64 hex digits`);
  return key;
}

/** UI_TITLE: shown in every page's header and <title>; escaped when rendered, but kept to one short line. */
function uiTitle(env: Env): string {
  const title = str(env, 'UI_TITLE') ?? 'Warden';
  if (title.length > 60 || /[\u0000-\u001f\u007f]/.test(title)) {
    throw new ConfigError('UI_TITLE must be at most 60 characters on one line');
  }
  return title;
}

/** UI_PRIMARY_COLOR: #rgb or #rrggbb (it lands in a stylesheet, so nothing else is accepted). */
function uiColor(env: Env): string {
  const raw = str(env, 'UI_PRIMARY_COLOR') ?? '#1d4ed8';
  if (!/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(raw)) {
    throw new ConfigError(`UI_PRIMARY_COLOR must be a hex colour like #1d4ed8 (got "${raw}")`);
  }
  const hex = raw.length === 4 ? `#${[...raw.slice(1)].map((c) => c + c).join('')}` : raw;
  return hex.toLowerCase();
}

const WEAK_SECRETS = ['changeme', 'secret', 'your-secret-key', 'change-me', 'development'];

/** Refused in production: no JWT configuration at all (development generates one, see devSigningKey). */
const PRODUCTION_JWT_REQUIRED =
  'JWT_SECRET is required when NODE_ENV=production' +
  ' (or JWT_ALGORITHM=ES256, RS256 or EdDSA with JWT_PRIVATE_KEY_FILE, which OpenID Connect needs)';

function jwtSecret(env: Env, isProduction: boolean, dataDir: string): string | undefined {
  const secret = str(env, 'JWT_SECRET');
  if (secret !== undefined) {
    const weak = WEAK_SECRETS.some((w) => secret.toLowerCase().includes(w)) || new Set(secret).size < 8;
    if (secret.length < 32 || (isProduction && weak)) {
      throw new ConfigError('JWT_SECRET must be at least 32 random characters');
    }
    return secret;
  }
  if (isProduction) throw new ConfigError(PRODUCTION_JWT_REQUIRED);
  // Development convenience: a random secret generated once and kept beside the embedded data.
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const generated = randomBytes(48).toString('base64url');
  writeFileSync(file, generated, { mode: 0o600 });
  return generated;
}

/**
 * Development with nothing about JWT keys configured: an ES256 key pair generated once into
 * DATA_DIR (PKCS#8 PEM, mode 0600), so that `npm start` serves OpenID Connect. A data directory
 * that already holds a generated `jwt-secret` (made before keys were generated) stays on HS256
 * with it: the MFA keys are derived from that secret when MFA_ENCRYPTION_KEY is unset, and a new
 * key would make the TOTP factors enrolled there unreadable. Delete the file to move to ES256.
 */
function devSigningKey(dataDir: string): { algorithm: JwtAlgorithm; privateKeyPem?: string } {
  const keyFile = join(dataDir, DEV_KEY_FILE);
  if (existsSync(keyFile)) return { algorithm: 'ES256', privateKeyPem: readFileSync(keyFile, 'utf8') };
  if (existsSync(join(dataDir, 'jwt-secret'))) return { algorithm: 'HS256' };
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  // `wx`: two processes starting on a fresh directory at once must not both write (and disagree).
  try {
    writeFileSync(keyFile, privateKey, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { algorithm: 'ES256', privateKeyPem: readFileSync(keyFile, 'utf8') };
}

/** The development key pair in DATA_DIR. */
export const DEV_KEY_FILE = 'jwt-private-key.pem';

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = str(env, 'NODE_ENV') ?? 'development';
  const isProduction = nodeEnv === 'production';
  const appUrl = url(env, 'APP_URL', 'http://localhost:3000')!.replace(/\/+$/, '');
  const dataDir = resolve(str(env, 'DATA_DIR') ?? './data');
  const configuredAlgorithm = str(env, 'JWT_ALGORITHM') as JwtAlgorithm | undefined;
  if (configuredAlgorithm !== undefined && !['HS256', 'RS256', 'ES256', 'EdDSA'].includes(configuredAlgorithm)) {
    throw new ConfigError(`JWT_ALGORITHM must be one of HS256, RS256, ES256, EdDSA (got "${configuredAlgorithm}")`);
  }
  let privateKeyPem = readFileVar(env, 'JWT_PRIVATE_KEY_FILE') ?? str(env, 'JWT_PRIVATE_KEY')?.replace(/\\n/g, '\n');
  if (configuredAlgorithm !== undefined && configuredAlgorithm !== 'HS256' && !privateKeyPem) {
    throw new ConfigError(
      `JWT_PRIVATE_KEY_FILE or JWT_PRIVATE_KEY is required with JWT_ALGORITHM=${configuredAlgorithm}`,
    );
  }
  if (configuredAlgorithm === undefined && privateKeyPem) {
    throw new ConfigError(
      'JWT_ALGORITHM (RS256, ES256 or EdDSA) is required with JWT_PRIVATE_KEY_FILE or JWT_PRIVATE_KEY',
    );
  }
  // Nothing about keys configured: HS256 with JWT_SECRET when set; else production refuses (in
  // jwtSecret) and development generates a key pair (devSigningKey), written last below.
  const generateKey = configuredAlgorithm === undefined && !str(env, 'JWT_SECRET') && !isProduction;
  let algorithm: JwtAlgorithm = configuredAlgorithm ?? 'HS256';
  const previousSecrets = (str(env, 'JWT_PREVIOUS_SECRETS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (previousSecrets.some((s) => s.length < 32)) {
    throw new ConfigError('JWT_PREVIOUS_SECRETS entries must each be at least 32 characters');
  }
  const smtpUrl = url(env, 'SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:$/.test(new URL(smtpUrl).protocol)) {
    throw new ConfigError('SMTP_URL must start with smtp:// or smtps://');
  }
  const mailFrom = str(env, 'MAIL_FROM') ?? 'Warden <no-reply@localhost>';
  if (!/^[^<>@\s]+@[^<>@\s]+$|<[^<>@\s]+@[^<>@\s]+>$/.test(mailFrom)) {
    throw new ConfigError(`MAIL_FROM must be an address or "Name <address>" (got "${mailFrom}")`);
  }
  const mailTransport = (str(env, 'MAIL_TRANSPORT')?.toLowerCase() ?? (smtpUrl ? 'smtp' : 'log')) as MailTransportName;
  if (!['smtp', 'log', 'memory'].includes(mailTransport)) {
    throw new ConfigError(`MAIL_TRANSPORT must be one of smtp, log, memory (got "${mailTransport}")`);
  }
  if (mailTransport === 'smtp' && smtpUrl === undefined) {
    throw new ConfigError('MAIL_TRANSPORT=smtp needs SMTP_URL');
  }
  // The log transport is a development convenience; production mail must really leave.
  if (isProduction && smtpUrl === undefined) {
    throw new ConfigError(
      'SMTP_URL is required when NODE_ENV=production (the log mail transport is for development only)',
    );
  }
  // `log` and `memory` (mail kept inside the process, for an app's tests: packages/testing) never deliver.
  if (isProduction && mailTransport !== 'smtp') {
    throw new ConfigError(
      `MAIL_TRANSPORT=${mailTransport} is refused when NODE_ENV=production: production mail must leave`,
    );
  }
  const introspectionSecret = str(env, 'INTROSPECTION_SECRET');
  if (introspectionSecret !== undefined && introspectionSecret.length < 32) {
    throw new ConfigError('INTROSPECTION_SECRET must be at least 32 characters');
  }
  const corsOrigins = (str(env, 'CORS_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  for (const origin of corsOrigins) url({ CORS_ORIGINS: origin }, 'CORS_ORIGINS');
  const logLevel = str(env, 'LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(
      `LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`,
    );
  }

  const logFormat = str(env, 'LOG_FORMAT')?.toLowerCase() ?? (nodeEnv === 'development' ? 'pretty' : 'json');
  if (logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError(`LOG_FORMAT must be json or pretty (got "${logFormat}")`);
  }
  const metricsToken = str(env, 'METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  }
  const trustProxy = parseTrustProxy(str(env, 'TRUST_PROXY'));
  if (typeof trustProxy === 'object' && !Array.isArray(trustProxy)) throw new ConfigError(trustProxy.error);
  const queryTimeout = duration(env, 'DB_QUERY_TIMEOUT', '3s');
  if (queryTimeout > 60)
    throw new ConfigError(`DB_QUERY_TIMEOUT must be at most 60s (got "${str(env, 'DB_QUERY_TIMEOUT')}")`);

  const config: AppConfig = {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    nodeEnv,
    isProduction,
    appUrl,
    databaseUrl: url(env, 'DATABASE_URL'),
    dataDir,
    dbMigrationsRun: bool(env, 'DB_MIGRATIONS_RUN', true),
    jwt: {
      algorithm,
      secret: undefined,
      privateKeyPem,
      previousSecrets,
      previousPublicKeysPem: readFileVar(env, 'JWT_PREVIOUS_PUBLIC_KEYS_FILE'),
      issuer: str(env, 'JWT_ISSUER') ?? appUrl,
      audience: str(env, 'JWT_AUDIENCE') ?? 'warden',
      clockTolerance: clockTolerance(env),
    },
    accessTokenTtl: duration(env, 'ACCESS_TOKEN_TTL', '15m'),
    refreshTokenTtl: duration(env, 'REFRESH_TOKEN_TTL', '30d'),
    refreshReuseGrace: duration(env, 'REFRESH_REUSE_GRACE', '10s'),
    smtpUrl,
    mailFrom,
    mailTransport,
    mail: {
      pollIntervalMs: int(env, 'MAIL_POLL_INTERVAL_MS', 2000, 50, 600000),
      retryBaseMs: int(env, 'MAIL_RETRY_BASE_MS', 5000, 10, 3600000),
      maxAttempts: int(env, 'MAIL_MAX_ATTEMPTS', 10, 1, 100),
    },
    redisUrl: url(env, 'REDIS_URL'),
    corsOrigins,
    cookieSecure: bool(env, 'COOKIE_SECURE', nodeEnv !== 'development'),
    requireEmailVerification: bool(env, 'AUTH_REQUIRE_EMAIL_VERIFICATION', true),
    otpLength: int(env, 'OTP_LENGTH', 6, 4, 10),
    otpTtl: duration(env, 'OTP_TTL', '10m'),
    resetTokenTtl: duration(env, 'RESET_TOKEN_TTL', '30m'),
    rateLimitEnabled: bool(env, 'RATE_LIMIT_ENABLED', true),
    trustProxy,
    introspectionSecret,
    loginMaxFailures: int(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginBackoffBase: duration(env, 'LOGIN_BACKOFF_BASE', '1m'),
    loginBackoffMax: duration(env, 'LOGIN_BACKOFF_MAX', '15m'),
    auditRetention: duration(env, 'AUDIT_RETENTION', '90d'),
    sessionRetention: duration(env, 'SESSION_RETENTION', '7d'),
    argon2: {
      memoryKib: int(env, 'ARGON2_MEMORY_KIB', 19456, 1024, 4194304),
      timeCost: int(env, 'ARGON2_TIME_COST', 2, 1, 100),
      parallelism: int(env, 'ARGON2_PARALLELISM', 1, 1, 64),
    },
    passwordMinLength: int(env, 'PASSWORD_MIN_LENGTH', 8, 8, 128),
    logLevel,
    logFormat,
    metricsToken,
    shutdownTimeout: duration(env, 'SHUTDOWN_TIMEOUT', '10s'),
    database: { poolSize: int(env, 'DB_POOL_SIZE', 10, 1, 1000), queryTimeout },
    threadpoolSize: int(env, 'UV_THREADPOOL_SIZE', 4, 1, 1024),
    ui: { title: uiTitle(env), primaryColor: uiColor(env) },
    authProviders: authProvidersConfig(str(env, 'AUTH_PROVIDERS'), str(env, 'AUTH_PROVIDERS_FILE')),
    mfaTokenTtl: duration(env, 'MFA_TOKEN_TTL', '5m'),
    mfaRequiredForAdmin: bool(env, 'MFA_REQUIRED_FOR_ADMIN', false),
    webauthn: webauthnConfig(
      {
        rpId: str(env, 'WEBAUTHN_RP_ID'),
        rpName: str(env, 'WEBAUTHN_RP_NAME'),
        origins: str(env, 'WEBAUTHN_ORIGINS'),
      },
      appUrl,
      corsOrigins,
    ),
    mfa: {
      issuer: str(env, 'MFA_ISSUER') ?? 'Warden',
      encryptionKey: encryptionKey(env, 'MFA_ENCRYPTION_KEY'),
    },
  };
  if (config.loginBackoffMax < config.loginBackoffBase) {
    throw new ConfigError('LOGIN_BACKOFF_MAX must not be shorter than LOGIN_BACKOFF_BASE');
  }
  // Last, so that a bad value elsewhere stops the start before anything is written to DATA_DIR.
  if (generateKey) {
    ({ algorithm, privateKeyPem } = devSigningKey(dataDir));
    config.jwt.algorithm = algorithm;
    config.jwt.privateKeyPem = privateKeyPem;
  }
  if (algorithm === 'HS256') config.jwt.secret = jwtSecret(env, isProduction, dataDir);
  return config;
}
