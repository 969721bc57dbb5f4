import { AuditService } from '../audit/audit.service.js';
import { loadConfig } from '../config/app-config.js';
import type { LoginThrottleService } from '../limits/login-throttle.service.js';
import type { ThrottleCounter } from '../limits/login-throttle.store.js';
import type { LoginWrites, SessionsService } from '../sessions/sessions.service.js';
import type { Session } from '../sessions/session.entity.js';
import type { User } from '../users/user.entity.js';
import type { AccessTokenService } from './access-token.service.js';
import type { RefreshRotationService } from '../sessions/refresh-rotation.service.js';
import { TokenIssuerService } from './token-issuer.service.js';

const config = loadConfig({ JWT_SECRET: 'unit-test-secret-0123456789-abcdefghijklmnop', NODE_ENV: 'test' });
const user = { id: 'u1', email: 'alice@example.com', roles: ['user'] } as User;
const client = { ip: '192.0.2.1', userAgent: 'jest' };
const counters: ThrottleCounter[] = [
  { id: 'account-key', group: 'account-key', threshold: 100 },
  { id: 'ip-key', group: 'account-key', threshold: 5 },
];

function issuer(countersInDatabase: boolean, clear: () => Promise<void> = () => Promise.resolve()) {
  const written: LoginWrites[] = [];
  const cleared: ThrottleCounter[][] = [];
  const sessions = {
    create: (_userId: string, _client: unknown, _ttl: number, login: LoginWrites) => {
      written.push(login);
      return Promise.resolve({ session: { id: 's1' } as Session, refreshToken: 'r1' });
    },
  };
  const throttle = {
    countersInDatabase,
    countersForUser: () => counters,
    clear: (c: ThrottleCounter[]) => {
      cleared.push(c);
      return clear();
    },
  };
  const service = new TokenIssuerService(
    config,
    sessions as unknown as SessionsService,
    {} as RefreshRotationService,
    { sign: () => Promise.resolve('jwt'), ttlSeconds: 900 } as unknown as AccessTokenService,
    new AuditService(undefined as never),
    throttle as unknown as LoginThrottleService,
  );
  return { service, written, cleared };
}

describe('TokenIssuerService.login and the back-off counters', () => {
  it('deletes login_throttle counters in the statement that creates the session (Postgres store)', async () => {
    const { service, written, cleared } = issuer(true);
    await service.login(user, client, undefined, 'token');
    expect(written).toEqual([
      {
        scope: 'profile',
        event: {
          type: 'login_success',
          userId: 'u1',
          sessionId: null,
          ip: '192.0.2.1',
          userAgent: 'jest',
          details: { via: 'token', scope: 'profile' },
        },
        loginThrottleKeys: ['account-key', 'ip-key'],
      },
    ]);
    expect(cleared).toEqual([]);
  });

  it('clears counters kept elsewhere (Redis) after the session, and still signs in when that fails', async () => {
    const { service, written, cleared } = issuer(false, () => Promise.reject(new Error('ECONNRESET')));
    await expect(service.login(user, client, undefined, 'cookie')).resolves.toMatchObject({
      accessToken: 'jwt',
      refreshToken: 'r1',
    });
    expect(written[0].loginThrottleKeys).toEqual([]);
    expect(cleared).toEqual([counters]);
  });

  it('resets the counters of a proven password also when the scope is refused', async () => {
    const { service, written, cleared } = issuer(true);
    await expect(service.login(user, client, 'users:write', 'token')).rejects.toMatchObject({ code: 'invalid_scope' });
    expect(written).toEqual([]);
    expect(cleared).toEqual([counters]);
  });
});
