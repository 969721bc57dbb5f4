import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { createApp } from '../../../src/app.factory.js';
import { createPino } from '../../../src/common/logger.js';
import { type AppConfig, loadConfig } from '../../../src/config/app-config.js';
import { MAIL_TRANSPORT } from '../../../src/mail/mail-transport.js';
import type { MemoryTransport } from '../../../src/mail/memory.transport.js';
import { UserAdminService } from '../../../src/users/user-admin.service.js';
import { UsersService } from '../../../src/users/users.service.js';
import { createClock } from './clock.js';
import type { WardenHelpers } from './helpers.js';
import { closePglite, openMigratedPglite } from './snapshot.js';
import { call } from './http.js';
import { MailStore } from './mailbox.js';
import { type CreateUserOptions, enrolTotp, passwordLogin, stepUp, type TestUser } from './users.js';

export type { WardenHelpers } from './helpers.js';

export interface StartWardenOptions {
  /**
   * Warden's environment variables (docs/configuration.md), over the test defaults below:
   * `{ ACCESS_TOKEN_TTL: '1m', AUTH_REQUIRE_EMAIL_VERIFICATION: 'false' }`. `DATABASE_URL` runs on
   * that Postgres instead of the embedded database (its schema is migrated, never dropped).
   */
  config?: Record<string, string>;
  /** `'memory'` (default) or `'temp-dir'`: the embedded database in a temporary directory, removed by stop(). */
  storage?: 'memory' | 'temp-dir';
}

export interface Warden extends WardenHelpers {
  /** The Nest application, for what the helpers do not cover (`warden.app.get(DataSource)`). */
  readonly app: NestFastifyApplication;
  readonly config: AppConfig;
  /** Every log line Warden wrote (JSON), for assertions that nothing secret was logged. */
  readonly logs: string[];
  /** Milliseconds from startWarden() to listening. */
  readonly startupMs: number;
  /** CPU time the process spent in that start (all its threads): what it costs on an idle machine, roughly. */
  readonly startupCpuMs: number;
  /** Where that time went: the embedded database (loaded from the dump), Nest's init (modules, migrations check, Swagger), listen. */
  readonly startupPhases: { databaseMs: number; appMs: number; listenMs: number };
  /** The temporary directory of `storage: 'temp-dir'` (removed by stop()), else null. */
  readonly dataDir: string | null;
  stop(): Promise<void>;
}

/** Test defaults: fast hashing, no per-IP limits, mail kept in memory, secrets made per start. */
function defaults(): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    MAIL_TRANSPORT: 'memory',
    JWT_SECRET: randomBytes(36).toString('base64url'),
    INTROSPECTION_SECRET: randomBytes(36).toString('base64url'),
    ARGON2_MEMORY_KIB: '4096',
    ARGON2_TIME_COST: '1',
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    MAIL_POLL_INTERVAL_MS: '1000',
  };
}

const RUNNING = Symbol.for('warden.testing.embedded');

/** Starts the real Warden in this process on a free port: migrated database, memory mail. */
export async function startWarden(options: StartWardenOptions = {}): Promise<Warden> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const env = { ...defaults(), ...options.config };
  const embedded = !env.DATABASE_URL;
  const realm = globalThis as Record<symbol, boolean | undefined>;
  // The embedded database is one per JavaScript realm (a jest test file): a second Warden would share it.
  if (embedded && realm[RUNNING]) {
    throw new Error('startWarden: a Warden with the embedded database already runs in this test file; stop() it first');
  }
  if (env.MAIL_TRANSPORT !== 'memory') throw new Error('startWarden: MAIL_TRANSPORT must stay memory (mailbox())');
  // Claimed before the first await: two starts at once in one file are refused too.
  if (embedded) realm[RUNNING] = true;
  let dataDir: string | null = null;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  let app: NestFastifyApplication | undefined;
  try {
    if (options.storage === 'temp-dir') dataDir = await mkdtemp(join(tmpdir(), 'warden-testing-'));
    // DATA_DIR is where an HS256 development secret would be kept: never used, JWT_SECRET is set.
    const config = loadConfig({ DATA_DIR: dataDir ?? tmpdir(), ...env });
    const t0 = performance.now();
    if (embedded) await openMigratedPglite(dataDir);
    const t1 = performance.now();
    app = await createApp(config, createPino(config.logLevel, sink, config.logFormat), { dataDir });
    const t2 = performance.now();
    await app.listen({ port: config.port, host: config.host });
    const t3 = performance.now();
    const { port } = app.getHttpServer().address() as { port: number };
    const cpu = process.cpuUsage(cpuBefore);
    const startup = {
      totalMs: t3 - started,
      cpuMs: (cpu.user + cpu.system) / 1000,
      phases: { databaseMs: t1 - t0, appMs: t2 - t1, listenMs: t3 - t2 },
      dataDir,
    };
    const dir = dataDir;
    return wrap(app, config, `http://127.0.0.1:${port}`, logs, startup, async () => {
      if (embedded) delete realm[RUNNING];
      if (dir) await rm(dir, { recursive: true, force: true });
    });
  } catch (error) {
    await app?.close().catch(() => undefined);
    // A start that failed before TypeORM took the database over must not leave it open.
    if (embedded) await closePglite().catch(() => undefined);
    if (embedded) delete realm[RUNNING];
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

function wrap(
  app: NestFastifyApplication,
  config: AppConfig,
  url: string,
  logs: string[],
  startup: { totalMs: number; cpuMs: number; phases: Warden['startupPhases']; dataDir: string | null },
  cleanup: () => Promise<void>,
): Warden {
  const mails = new MailStore();
  const transport = app.get<MemoryTransport>(MAIL_TRANSPORT);
  const unsubscribe = transport.onMail((mail) => mails.add(mail));
  const clock = createClock();
  let counter = 0;
  let stopped = false;

  async function enableTotp(user: TestUser): Promise<TestUser> {
    if (user.totp) throw new Error(`enableTotp: ${user.email} has an authenticator already`);
    const tokens = await passwordLogin(url, user);
    const { secret, recoveryCodes, totp } = await enrolTotp(url, tokens.access_token);
    Object.assign(user, { totpSecret: secret, recoveryCodes, totp });
    // The enrolment's own session ends; the mail it caused ("two-factor is on") is not the test's.
    await call(url, 'POST', '/auth/logout', { token: tokens.access_token });
    await waitForOutbox(app, user.email);
    mails.skipAll(user.email);
    return user;
  }

  async function createUser(options: CreateUserOptions = {}): Promise<TestUser> {
    counter += 1;
    const email = options.email ?? `user-${counter}-${randomBytes(4).toString('hex')}@example.test`;
    const password = options.password ?? `pw-${randomBytes(12).toString('base64url')}`;
    const roles = [...new Set(['user', ...(options.roles ?? [])])] as TestUser['roles'];
    const verified = options.verified ?? true;
    const disabled = options.disabled ?? false;
    const mfa = options.mfa === 'totp';
    // As `npm run cli -- user:create` does; verified first when an authenticator must be enrolled.
    const created = await app.get(UsersService).create({ email, password, roles, verified: verified || mfa });
    const user: TestUser = { id: created.id, email: created.email, password, roles, verified, disabled };
    if (mfa) await enableTotp(user);
    if (disabled || (mfa && !verified)) {
      await app.get(UserAdminService).update(created.id, {
        ...(disabled ? { disabled: true } : {}),
        ...(mfa && !verified ? { emailVerified: false } : {}),
      });
      await waitForOutbox(app, email);
    }
    mails.skipAll(email);
    return user;
  }

  return {
    app,
    config,
    url,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    introspectionSecret: config.introspectionSecret ?? '',
    logs,
    startupMs: startup.totalMs,
    startupCpuMs: startup.cpuMs,
    startupPhases: startup.phases,
    dataDir: startup.dataDir,
    clock,
    createUser,
    enableTotp,
    tokenFor: (user, options) => passwordLogin(url, user, options),
    stepUp: (user, accessToken) => stepUp(url, user, accessToken),
    mailbox: (email) => mails.mailbox(email),
    async stop() {
      if (stopped) return;
      stopped = true;
      await clock.reset();
      unsubscribe();
      try {
        await app.close();
      } finally {
        await cleanup();
      }
    },
  };
}

/** Waits until every mail to `email` left the outbox (the helpers' own mails), at most 5 s. */
async function waitForOutbox(app: NestFastifyApplication, email: string): Promise<void> {
  const ds = app.get(DataSource);
  const deadline = performance.now() + 5000;
  for (;;) {
    const [{ n }] = await ds.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM mail_outbox WHERE to_address = $1 AND status IN ('pending', 'sending')`,
      [email.toLowerCase()],
    );
    if (n === 0) return;
    if (performance.now() > deadline) throw new Error(`createUser: the mail to ${email} was not sent within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
