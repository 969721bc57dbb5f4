import { User } from '../src/users/user.entity.js';
import { UserCacheService } from '../src/users/user-cache.service.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, registerAndLogin } from './support/http.js';

/** Polls until `check` holds, at most `timeoutMs`; returns the milliseconds it took. */
async function within(timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * GET /users/me is served from each instance's memory; a change to the user, made by any instance
 * or straight in SQL, reaches every instance (Postgres trigger + LISTEN/NOTIFY; on the embedded
 * database the two apps share one in-process PGlite).
 */
describe('GET /users/me across two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let token: string;
  let userId: string;

  beforeAll(async () => {
    await resetDatabase();
    a = await startApp();
    b = await startApp();
    const login = await registerAndLogin(client(a.url), 'cached@example.com');
    token = login.tokens.access_token;
    userId = login.user.id;
  }, 60_000);
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const nameOn = async (t: TestApp) => {
    const res = await client(t.url).get('/users/me', { token });
    expect(res.status).toBe(200);
    return res.body.display_name as string | null;
  };

  it('is served from memory after the first read', async () => {
    expect(await nameOn(b)).toBeNull();
    expect(b.app.get(UserCacheService).size).toBe(1);
    expect(await nameOn(b)).toBeNull();
  });

  it('shows a change written in SQL by another instance on the next read', async () => {
    expect(await nameOn(b)).toBeNull();
    await a.dataSource.query('UPDATE users SET display_name = $1 WHERE id = $2', ['From SQL', userId]);
    const ms = await within(1000, async () => (await nameOn(b)) === 'From SQL');
    expect(ms).toBeLessThan(1000);
  });

  it('shows a change written through TypeORM on the same instance immediately', async () => {
    expect(await nameOn(b)).toBe('From SQL');
    await b.dataSource.getRepository(User).update({ id: userId }, { displayName: 'Same instance' });
    expect(await nameOn(b)).toBe('Same instance');
    await within(1000, async () => (await nameOn(a)) === 'Same instance');
  });

  it('answers 401 once the user is deleted, on every instance', async () => {
    expect(await nameOn(a)).toBe('Same instance');
    expect(await nameOn(b)).toBe('Same instance');
    // Written in SQL, the deletion reaches each instance's caches through NOTIFY, like the changes above.
    await a.dataSource.query('DELETE FROM users WHERE id = $1', [userId]);
    for (const t of [a, b]) {
      const ms = await within(1000, async () => (await client(t.url).get('/users/me', { token })).status === 401);
      expect(ms).toBeLessThan(1000);
    }
    expect(b.app.get(UserCacheService).size).toBe(0);
  });
});
