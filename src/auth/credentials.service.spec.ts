import type { AuditService } from '../audit/audit.service.js';
import { loadConfig } from '../config/app-config.js';
import type { LoginThrottleService } from '../limits/login-throttle.service.js';
import type { PasswordHasherService } from '../users/password-hasher.service.js';
import type { User } from '../users/user.entity.js';
import type { UsersService } from '../users/users.service.js';
import { CredentialsService, LoginUnavailableError } from './credentials.service.js';

const config = loadConfig({ JWT_SECRET: 'unit-test-secret-0123456789-abcdefghijklmnop', NODE_ENV: 'test' });
const user = { id: 'u1', passwordHash: '$argon2id$…', disabledAt: null, emailVerifiedAt: new Date() } as User;

function service(throttle: Partial<LoginThrottleService>, valid = true) {
  const hasher = {
    verified: 0,
    verify() {
      this.verified++;
      return Promise.resolve({ valid, needsRehash: false });
    },
    verifyDummy: () => Promise.resolve(),
  };
  const audit = { recordLater: () => undefined };
  const credentials = new CredentialsService(
    config,
    { findByLogin: () => Promise.resolve(user) } as unknown as UsersService,
    hasher as unknown as PasswordHasherService,
    { countersFor: () => [], countersForUser: () => [], ...throttle } as unknown as LoginThrottleService,
    audit as unknown as AuditService,
  );
  return { credentials, hasher };
}

describe('CredentialsService when the login counters are unavailable', () => {
  it('fails closed: 503 temporarily_unavailable with Retry-After, and no password is checked', async () => {
    const { credentials, hasher } = service({ reserve: () => Promise.reject(new Error('ECONNREFUSED')) });
    const refusal = credentials.authenticate('alice@example.com', 'any password', { ip: '192.0.2.1' });
    await expect(refusal).rejects.toBeInstanceOf(LoginUnavailableError);
    await expect(refusal).rejects.toMatchObject({
      code: 'temporarily_unavailable',
      headers: { 'Retry-After': '5' },
    });
    const error = (await refusal.catch((e: unknown) => e)) as LoginUnavailableError;
    expect(error.getStatus()).toBe(503);
    expect(hasher.verified).toBe(0);
  });
});
