import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEV_KEY_FILE, loadConfig } from './app-config.js';

const SECRET = 'a'.repeat(8) + 'bcdefghijklmnopqrstuvwxyz0123456789';

describe('loadConfig', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'warden-config-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('applies the contract defaults', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      appUrl: 'http://localhost:3000',
      dbMigrationsRun: true,
      accessTokenTtl: 900,
      refreshTokenTtl: 30 * 86400,
      refreshReuseGrace: 10,
      otpLength: 6,
      otpTtl: 600,
      resetTokenTtl: 1800,
      requireEmailVerification: true,
      rateLimitEnabled: true,
      trustProxy: false,
      loginMaxFailures: 5,
      loginBackoffBase: 60,
      loginBackoffMax: 900,
      auditRetention: 90 * 86400,
      sessionRetention: 7 * 86400,
      passwordMinLength: 8,
      argon2: { memoryKib: 19456, timeCost: 2, parallelism: 1 },
      jwt: { algorithm: 'ES256', issuer: 'http://localhost:3000', audience: 'warden' },
      shutdownTimeout: 10,
      database: { poolSize: 10, queryTimeout: 3 },
      threadpoolSize: 4,
    });
    expect(loadConfig({ DATA_DIR: dataDir }).metricsToken).toBeUndefined();
  });

  it('logs pretty in development and JSON elsewhere unless LOG_FORMAT says otherwise', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).logFormat).toBe('pretty');
    expect(loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'test' }).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25', JWT_SECRET: SECRET }).logFormat).toBe(
      'json',
    );
    expect(loadConfig({ DATA_DIR: dataDir, LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'test', LOG_FORMAT: 'Pretty' }).logFormat).toBe('pretty');
    expect(() => loadConfig({ DATA_DIR: dataDir, LOG_FORMAT: 'xml' })).toThrow(/^LOG_FORMAT must be json or pretty/);
  });

  it('excuses 5 s of clock skew on nbf/iat by default; JWT_CLOCK_TOLERANCE sets it (0 allowed)', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).jwt.clockTolerance).toBe(5);
    expect(loadConfig({ DATA_DIR: dataDir, JWT_CLOCK_TOLERANCE: '0' }).jwt.clockTolerance).toBe(0);
    expect(loadConfig({ DATA_DIR: dataDir, JWT_CLOCK_TOLERANCE: '30s' }).jwt.clockTolerance).toBe(30);
    expect(() => loadConfig({ DATA_DIR: dataDir, JWT_CLOCK_TOLERANCE: '1h' })).toThrow(/^JWT_CLOCK_TOLERANCE must be/);
    expect(() => loadConfig({ DATA_DIR: dataDir, JWT_CLOCK_TOLERANCE: 'soon' })).toThrow(
      /^JWT_CLOCK_TOLERANCE must be/,
    );
  });

  it('generates a development secret once and keeps it in DATA_DIR (JWT_ALGORITHM=HS256)', () => {
    const first = loadConfig({ DATA_DIR: dataDir, JWT_ALGORITHM: 'HS256' }).jwt.secret;
    expect(first).toHaveLength(64);
    expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8')).toBe(first);
    expect(loadConfig({ DATA_DIR: dataDir, JWT_ALGORITHM: 'HS256' }).jwt.secret).toBe(first);
    expect(statSync(join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
  });

  it('generates an ES256 key pair once in development when no JWT key or secret is configured', () => {
    const first = loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'test' }).jwt;
    expect(first.algorithm).toBe('ES256');
    expect(first.secret).toBeUndefined();
    const key = createPrivateKey(first.privateKeyPem!);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const file = join(dataDir, DEV_KEY_FILE);
    expect(readFileSync(file, 'utf8')).toBe(first.privateKeyPem);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dataDir }).jwt.privateKeyPem).toBe(first.privateKeyPem);
  });

  it('keeps HS256 for a data directory that already holds a generated jwt-secret', () => {
    writeFileSync(join(dataDir, 'jwt-secret'), SECRET, { mode: 0o600 });
    expect(loadConfig({ DATA_DIR: dataDir }).jwt).toMatchObject({ algorithm: 'HS256', secret: SECRET });
  });

  it('uses JWT_SECRET (HS256) when it is set, and writes nothing', () => {
    expect(loadConfig({ DATA_DIR: dataDir, JWT_SECRET: SECRET }).jwt).toMatchObject({
      algorithm: 'HS256',
      secret: SECRET,
    });
    expect(() => statSync(join(dataDir, DEV_KEY_FILE))).toThrow();
  });

  it('writes no key in production, where the configuration must say which key to use', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25' })).toThrow(
      /^JWT_SECRET is required when NODE_ENV=production \(or JWT_ALGORITHM=ES256, RS256 or EdDSA with JWT_PRIVATE_KEY_FILE/,
    );
    expect(() => statSync(join(dataDir, DEV_KEY_FILE))).toThrow();
  });

  it.each([
    [{ NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25' }, /JWT_SECRET is required/],
    [{ NODE_ENV: 'production', JWT_SECRET: SECRET }, /^SMTP_URL is required when NODE_ENV=production/],
    [{ SMTP_URL: 'smtp://user:hunter2@' + ' bad' }, /^SMTP_URL must be/],
    [
      { NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25', JWT_SECRET: 'changeme-changeme-changeme-changeme' },
      /JWT_SECRET must be at least 32 random characters/,
    ],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET/],
    [{ PORT: 'abc' }, /^PORT must be an integer/],
    [{ ACCESS_TOKEN_TTL: '15 minutes' }, /^ACCESS_TOKEN_TTL must be a duration/],
    [{ AUTH_REQUIRE_EMAIL_VERIFICATION: 'maybe' }, /^AUTH_REQUIRE_EMAIL_VERIFICATION must be true or false/],
    [{ JWT_ALGORITHM: 'HS512' }, /^JWT_ALGORITHM must be one of/],
    [{ JWT_ALGORITHM: 'ES256' }, /JWT_PRIVATE_KEY_FILE or JWT_PRIVATE_KEY is required/],
    [{ JWT_PRIVATE_KEY: 'a PEM' }, /^JWT_ALGORITHM \(RS256, ES256 or EdDSA\) is required with JWT_PRIVATE_KEY/],
    [{ APP_URL: 'not a url' }, /^APP_URL must be a URL/],
    [{ PASSWORD_MIN_LENGTH: '4' }, /^PASSWORD_MIN_LENGTH must be an integer between 8 and 128/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ METRICS_TOKEN: 'short' }, /^METRICS_TOKEN must be at least 16 characters/],
    [{ SHUTDOWN_TIMEOUT: 'soon' }, /^SHUTDOWN_TIMEOUT must be a duration/],
    [{ DB_QUERY_TIMEOUT: '5m' }, /^DB_QUERY_TIMEOUT must be at most 60s/],
    [{ DB_POOL_SIZE: '0' }, /^DB_POOL_SIZE must be an integer between 1 and 1000/],
    [{ UV_THREADPOOL_SIZE: 'lots' }, /^UV_THREADPOOL_SIZE must be an integer/],
    [{ LOGIN_BACKOFF_BASE: 'soon' }, /^LOGIN_BACKOFF_BASE must be a duration/],
    [{ LOGIN_BACKOFF_BASE: '10m', LOGIN_BACKOFF_MAX: '1m' }, /^LOGIN_BACKOFF_MAX must not be shorter/],
    [{ AUDIT_RETENTION: '0d' }, /^AUDIT_RETENTION must be a duration/],
    [{ SESSION_RETENTION: 'soon' }, /^SESSION_RETENTION must be a duration/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig({ DATA_DIR: dataDir, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir, ...env })).toThrow(message);
  });

  it('never echoes a URL value, which may hold a password', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir, SMTP_URL: 'smtp://user:hunter2@ bad' })).toThrow(/^((?!hunter2).)*$/);
  });

  it('accepts a strong production secret and reads durations and lists', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      SMTP_URL: 'smtp://mail.example.com:587',
      ACCESS_TOKEN_TTL: '5m',
      CORS_ORIGINS: 'https://app.example.com/, https://admin.example.com',
      COOKIE_SECURE: 'false',
    });
    expect(config.accessTokenTtl).toBe(300);
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'https://admin.example.com']);
    expect(config.cookieSecure).toBe(false);
    expect(config.isProduction).toBe(true);
  });

  it('makes cookies Secure by default except in development', () => {
    expect(loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'development' }).cookieSecure).toBe(false);
    expect(loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'test', JWT_SECRET: SECRET }).cookieSecure).toBe(true);
  });

  it('reads MFA_ENCRYPTION_KEY as 32 bytes of base64 or hex, and MFA_ISSUER (default Warden)', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const base = { DATA_DIR: dataDir, JWT_SECRET: SECRET };
    expect(loadConfig(base).mfa).toEqual({ issuer: 'Warden', encryptionKey: undefined });
    expect(loadConfig({ ...base, MFA_ENCRYPTION_KEY: key.toString('hex') }).mfa.encryptionKey).toEqual(key);
    expect(loadConfig({ ...base, MFA_ENCRYPTION_KEY: key.toString('base64') }).mfa.encryptionKey).toEqual(key);
    expect(loadConfig({ ...base, MFA_ENCRYPTION_KEY: key.toString('base64url') }).mfa.encryptionKey).toEqual(key);
    expect(loadConfig({ ...base, MFA_ISSUER: 'Acme' }).mfa.issuer).toBe('Acme');
  });

  it.each([['tooshort'], ['a'.repeat(63)], [Buffer.alloc(16).toString('base64')], [Buffer.alloc(33).toString('hex')]])(
    'refuses MFA_ENCRYPTION_KEY=%s in one line that does not echo the value',
    (value) => {
      const load = () => loadConfig({ DATA_DIR: dataDir, JWT_SECRET: SECRET, MFA_ENCRYPTION_KEY: value });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow('MFA_ENCRYPTION_KEY must be 32 bytes, as base64 or 64 hex digits');
      try {
        load();
      } catch (error) {
        expect((error as Error).message).not.toContain(value);
      }
    },
  );
});
