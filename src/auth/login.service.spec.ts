import { AuditService } from '../audit/audit.service.js';
import { loadConfig } from '../config/app-config.js';
import type { LoginThrottleService } from '../limits/login-throttle.service.js';
import type { LoginThrottleStore, ThrottleCounter } from '../limits/login-throttle.store.js';
import { AttemptsUnavailableError, ThrottledAttempt } from '../limits/throttled-attempt.js';
import type { PasswordHasherService } from '../users/password-hasher.service.js';
import type { User } from '../users/user.entity.js';
import type { UsersService } from '../users/users.service.js';
import type { AccessTokenService } from './access-token.service.js';
import { LoginUnavailableError } from './login-errors.js';
import type { LoginSessionWriter, LoginWrite } from './login-session.writer.js';
import { LoginService } from './login.service.js';

const config = loadConfig({ JWT_SECRET: 'unit-test-secret-0123456789-abcdefghijklmnop', NODE_ENV: 'test' });
const user = {
  id: 'u1',
  email: 'alice@example.com',
  roles: ['user'],
  passwordHash: '$argon2id$…',
  disabledAt: null,
  emailVerifiedAt: new Date(),
} as unknown as User;
const client = { ip: '192.0.2.1', userAgent: 'jest' };
const counters: ThrottleCounter[] = [
  { id: 'account-key', group: 'account-key', threshold: 100 },
  { id: 'ip-key', group: 'account-key', threshold: 5 },
];

/** A store that records what settles the attempt; `inStatement` as the Postgres store does it. */
function fakeStore(inStatement: boolean, settle: () => Promise<void> = () => Promise.resolve()) {
  const calls: string[] = [];
  const store: Partial<LoginThrottleStore> = {
    fail: () => (calls.push('fail'), Promise.resolve(false)),
    reset: () => (calls.push('reset'), settle()),
    release: () => (calls.push('release'), settle()),
    succeed: async <T>(_c: ThrottleCounter[], write: (keys: string[]) => Promise<T | null>) => {
      if (inStatement) return write(counters.map((c) => c.id));
      const result = await write([]);
      calls.push(result === null ? 'release' : 'reset');
      await settle();
      return result;
    },
  };
  return { store: store as LoginThrottleStore, calls };
}

function service(options: { begin?: () => Promise<ThrottledAttempt>; store?: LoginThrottleStore; stale?: boolean }) {
  const written: LoginWrite[] = [];
  const hasher = {
    verified: 0,
    verify() {
      this.verified++;
      return Promise.resolve({ valid: true, needsRehash: false });
    },
    verifyDummy: () => Promise.resolve(),
  };
  const throttle = {
    countersFor: () => counters,
    begin: options.begin ?? (() => Promise.resolve(new ThrottledAttempt(options.store!, counters))),
  };
  const writer = {
    create: (login: LoginWrite) => {
      written.push(login);
      return Promise.resolve(options.stale ? null : { session: { id: 's1' }, refreshToken: 'r1' });
    },
  };
  const login = new LoginService(
    config,
    { findByLogin: () => Promise.resolve(user) } as unknown as UsersService,
    hasher as unknown as PasswordHasherService,
    throttle as unknown as LoginThrottleService,
    new AuditService({ insert: () => Promise.resolve() } as never),
    { sign: () => Promise.resolve('jwt'), ttlSeconds: 900 } as unknown as AccessTokenService,
    writer as unknown as LoginSessionWriter,
    // The second step is not reached by these password-only logins.
    {} as never,
    {} as never,
    {} as never,
  );
  return { login, hasher, written };
}

describe('LoginService', () => {
  it('fails closed when the login counters are unavailable: 503 with Retry-After, and no password is checked', async () => {
    const { login, hasher } = service({ begin: () => Promise.reject(new AttemptsUnavailableError()) });
    const refusal = login.checkPassword('alice@example.com', 'any password', client);
    await expect(refusal).rejects.toBeInstanceOf(LoginUnavailableError);
    await expect(refusal).rejects.toMatchObject({ code: 'temporarily_unavailable', headers: { 'Retry-After': '5' } });
    expect(hasher.verified).toBe(0);
  });

  it('settles Postgres counters in the statement that creates the session, with the verified hash', async () => {
    const { store, calls } = fakeStore(true);
    const { login, written } = service({ store });
    await expect(login.withPassword('alice@example.com', 'pw', client, undefined, 'token')).resolves.toMatchObject({
      accessToken: 'jwt',
      refreshToken: 'r1',
    });
    expect(written).toEqual([
      expect.objectContaining({
        userId: 'u1',
        passwordHash: '$argon2id$…',
        scope: 'profile',
        throttleKeys: ['account-key', 'ip-key'],
        event: expect.objectContaining({ type: 'login_success', details: { via: 'token', scope: 'profile' } }),
      }),
    ]);
    expect(calls).toEqual([]);
  });

  it('resets counters kept elsewhere (Redis) after the session, and still signs in when that fails', async () => {
    const { store, calls } = fakeStore(false, () => Promise.reject(new Error('ECONNRESET')));
    const { login, written } = service({ store });
    await expect(login.withPassword('alice', 'pw', client, undefined, 'cookie')).resolves.toMatchObject({
      accessToken: 'jwt',
    });
    expect(written[0].throttleKeys).toEqual([]);
    expect(calls).toEqual(['reset']);
  });

  it('resets the counters of a proven password also when the scope is refused', async () => {
    const { store, calls } = fakeStore(true);
    const { login, written } = service({ store });
    await expect(login.withPassword('alice', 'pw', client, 'users:write', 'token')).rejects.toMatchObject({
      code: 'invalid_scope',
    });
    expect(written).toEqual([]);
    expect(calls).toEqual(['reset']);
  });

  it('answers invalid_grant when the statement finds the proof stale (password changed or account disabled)', async () => {
    const { store } = fakeStore(true);
    const { login } = service({ store, stale: true });
    await expect(login.withPassword('alice', 'pw', client, undefined, 'token')).rejects.toMatchObject({
      code: 'invalid_grant',
    });
  });
});
