import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/config/database.js';
import { FAILURE_MEMORY_SECONDS, waitAfterFailures } from '../src/limits/backoff.js';
import type { LoginThrottleStore, ThrottleCounter } from '../src/limits/login-throttle.store.js';
import { PgLoginThrottleStore } from '../src/limits/pg-login-throttle.store.js';
import { RedisLoginThrottleStore } from '../src/limits/redis-login-throttle.store.js';
import { resetDatabase, TEST_DATABASE_URL } from './support/app.js';
import { TEST_REDIS_URL } from './support/redis.js';

const policy = { base: 60, cap: 900 };

/** What a test needs of a store besides the store: two handles on it and a way to move its clock. */
interface Harness {
  /** Two stores on separate connections (two instances). */
  stores: [LoginThrottleStore, LoginThrottleStore];
  failures(counter: ThrottleCounter): Promise<number>;
  /** The counter's running wait ends now. */
  endWait(counter: ThrottleCounter): Promise<void>;
  /** The counter's last failure happened `seconds` earlier than recorded. */
  age(counter: ThrottleCounter, seconds: number): Promise<void>;
  close(): Promise<void>;
}

async function postgresHarness(): Promise<Harness> {
  await resetDatabase();
  const open = async () => {
    const ds = new DataSource(dataSourceOptions({ databaseUrl: TEST_DATABASE_URL, dataDir: null }));
    await ds.initialize();
    return ds;
  };
  const a = await open();
  await a.runMigrations();
  const b = await open();
  return {
    stores: [new PgLoginThrottleStore(a, policy), new PgLoginThrottleStore(b, policy)],
    failures: async (c) =>
      ((await a.query('SELECT failures FROM login_throttle WHERE key = $1', [c.id]))[0]?.failures as number) ?? 0,
    endWait: async (c) => {
      await a.query(`UPDATE login_throttle SET blocked_until = now() WHERE key = $1`, [c.id]);
    },
    age: async (c, seconds) => {
      await a.query(
        `UPDATE login_throttle SET last_failure_at = last_failure_at - make_interval(secs => $2) WHERE key = $1`,
        [c.id, seconds],
      );
    },
    close: async () => {
      await b.destroy();
      await a.destroy();
    },
  };
}

function redisHarness(url: string): Harness {
  const a = new Redis(url);
  const b = new Redis(url);
  const key = (c: ThrottleCounter) => `warden:login:{${c.group}}:${c.id}`;
  return {
    stores: [new RedisLoginThrottleStore(a, policy), new RedisLoginThrottleStore(b, policy)],
    failures: async (c) => Number((await a.hget(key(c), 'failures')) ?? 0),
    endWait: async (c) => {
      await a.hset(key(c), 'until', 0);
    },
    age: async (c, seconds) => {
      await a.hincrby(key(c), 'last', -seconds * 1000);
    },
    close: () => {
      a.disconnect();
      b.disconnect();
      return Promise.resolve();
    },
  };
}

const harnesses: Array<[string, () => Promise<Harness>]> = [
  [TEST_DATABASE_URL ? 'Postgres' : 'PGlite', postgresHarness],
  ...(TEST_REDIS_URL
    ? [['Redis', () => Promise.resolve(redisHarness(TEST_REDIS_URL!))] as [string, () => Promise<Harness>]]
    : []),
];

/** An account counter (threshold 8) and an account-and-IP counter (threshold 3), fresh for each test. */
function counters(): [ThrottleCounter, ThrottleCounter] {
  const group = randomUUID().replaceAll('-', '');
  return [
    { id: `${group}a`, group, threshold: 8 },
    { id: `${group}i`, group, threshold: 3 },
  ];
}

/** One whole wrong attempt: a slot, then the failure; what reserve() answered, and whether it locked. */
async function wrongAttempt(store: LoginThrottleStore, counters: ThrottleCounter[]) {
  const reservation = await store.reserve(counters);
  if (reservation.outcome !== 'verify') return { reservation };
  return { reservation, locked: await store.fail(counters) };
}

describe.each(harnesses)('login throttle store (%s)', (_name, open) => {
  let h: Harness;
  let store: LoginThrottleStore;

  beforeAll(async () => {
    h = await open();
    store = h.stores[0];
  });
  afterAll(() => h.close());

  it('counts each failure on every counter and starts the wait at the threshold', async () => {
    const [account, ip] = counters();
    expect(await wrongAttempt(store, [account, ip])).toEqual({ reservation: { outcome: 'verify' }, locked: false });
    expect(await wrongAttempt(store, [ip, account])).toEqual({ reservation: { outcome: 'verify' }, locked: false });
    expect([await h.failures(account), await h.failures(ip)]).toEqual([2, 2]);
    expect(await wrongAttempt(store, [account, ip])).toEqual({ reservation: { outcome: 'verify' }, locked: true });
    expect([await h.failures(account), await h.failures(ip)]).toEqual([3, 3]);
  });

  it('refuses while a wait runs without counting, with the longest wait as Retry-After', async () => {
    const [account, ip] = counters();
    for (let i = 0; i < 3; i++) await wrongAttempt(store, [account, ip]);
    for (let i = 0; i < 3; i++) {
      const refusal = await store.reserve([account, ip]);
      expect(refusal).toMatchObject({ outcome: 'wait' });
      expect(refusal.outcome === 'wait' && refusal.retryAfter).toBeGreaterThanOrEqual(policy.base - 2);
      expect(refusal.outcome === 'wait' && refusal.retryAfter).toBeLessThanOrEqual(policy.base);
    }
    expect([await h.failures(account), await h.failures(ip)]).toEqual([3, 3]);
    // The wait of one counter refuses the attempt on every counter it comes with.
    const [otherIp] = [{ ...ip, id: `${ip.id}2` }];
    expect(await wrongAttempt(store, [account, otherIp])).toEqual({
      reservation: { outcome: 'verify' },
      locked: false,
    });
    expect(await h.failures(otherIp)).toBe(1);
  });

  it('doubles the wait per failure after the threshold, up to the cap (backoff.ts)', async () => {
    const [account, ip] = counters();
    for (let failures = 1; failures <= 12; failures++) {
      const longest = Math.max(...[account, ip].map((c) => waitAfterFailures(failures, c.threshold, policy)));
      expect({ failures, result: await wrongAttempt(store, [account, ip]) }).toEqual({
        failures,
        result: { reservation: { outcome: 'verify' }, locked: longest > 0 },
      });
      if (longest > 0) {
        const refusal = await store.reserve([account, ip]);
        expect({ failures, refusal }).toEqual({
          failures,
          refusal: { outcome: 'wait', retryAfter: expect.any(Number) },
        });
        const retryAfter = (refusal as { retryAfter: number }).retryAfter;
        expect(retryAfter).toBeGreaterThanOrEqual(longest - 2);
        expect(retryAfter).toBeLessThanOrEqual(longest);
        await h.endWait(account);
        await h.endWait(ip);
      }
    }
    expect([await h.failures(account), await h.failures(ip)]).toEqual([12, 12]);
  });

  it(`forgets a streak after ${FAILURE_MEMORY_SECONDS / 3600} hours without failures`, async () => {
    const [account, ip] = counters();
    for (let i = 0; i < 2; i++) await wrongAttempt(store, [account, ip]);
    await h.age(ip, FAILURE_MEMORY_SECONDS - 60);
    await wrongAttempt(store, [account, ip]);
    expect(await h.failures(ip)).toBe(3);
    await h.endWait(ip);
    await h.age(ip, FAILURE_MEMORY_SECONDS + 60);
    expect(await wrongAttempt(store, [account, ip])).toEqual({ reservation: { outcome: 'verify' }, locked: false });
    expect([await h.failures(account), await h.failures(ip)]).toEqual([4, 1]);
  });

  it('lets exactly the slots the back-off has left be verified at once when attempts race on two instances', async () => {
    const [account, ip] = counters();
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => h.stores[i % 2].reserve([account, ip])));
    expect(results.filter((r) => r.outcome === 'verify')).toHaveLength(3);
    expect(results.filter((r) => r.outcome === 'busy')).toHaveLength(21);
    // Attempts in flight are not failures.
    expect([await h.failures(account), await h.failures(ip)]).toEqual([0, 0]);
    // One fails: one slot is left of the back-off's two.
    await h.stores[0].fail([account, ip]);
    await h.stores[1].release([account, ip]);
    await h.stores[1].release([account, ip]);
    const next = await Promise.all(Array.from({ length: 8 }, (_, i) => h.stores[i % 2].reserve([account, ip])));
    expect(next.filter((r) => r.outcome === 'verify')).toHaveLength(2);
    expect([await h.failures(account), await h.failures(ip)]).toEqual([1, 1]);
  });

  it('lets one attempt at a time through once a wait has ended', async () => {
    const [account, ip] = counters();
    for (let i = 0; i < 3; i++) await wrongAttempt(store, [account, ip]);
    await h.endWait(ip);
    const results = await Promise.all(Array.from({ length: 6 }, () => store.reserve([account, ip])));
    expect(results.filter((r) => r.outcome === 'verify')).toHaveLength(1);
  });

  it('reset() starts the streak over', async () => {
    const [account, ip] = counters();
    for (let i = 0; i < 2; i++) await wrongAttempt(store, [account, ip]);
    expect(await store.reserve([account, ip])).toEqual({ outcome: 'verify' });
    await store.reset([account, ip]);
    expect([await h.failures(account), await h.failures(ip)]).toEqual([0, 0]);
    const three = await Promise.all(Array.from({ length: 4 }, () => store.reserve([account, ip])));
    expect(three.filter((r) => r.outcome === 'verify')).toHaveLength(3);
  });
});

describe(`a successful login's statement (${TEST_DATABASE_URL ? 'Postgres' : 'PGlite'})`, () => {
  let a: DataSource;
  let b: DataSource;
  let userId: string;

  beforeAll(async () => {
    await resetDatabase();
    a = new DataSource(dataSourceOptions({ databaseUrl: TEST_DATABASE_URL, dataDir: null }));
    await a.initialize();
    await a.runMigrations();
    b = new DataSource(dataSourceOptions({ databaseUrl: TEST_DATABASE_URL, dataDir: null }));
    await b.initialize();
    [{ id: userId }] = await a.query(
      `INSERT INTO users (email, password_hash) VALUES ('race@example.com', 'x') RETURNING id`,
    );
  });
  afterAll(async () => {
    await b.destroy();
    await a.destroy();
  });

  const login = (ds: DataSource, keys: string[], hash = 'x') =>
    ds.query<Array<{ id: string }>>(
      `SELECT id FROM login_complete($1, $2, now() + interval '1 day', 'jest', '192.0.2.1', 'profile', 'aal1',
         '{pwd}'::text[], $3, 'login_success', '192.0.2.1', 'jest', '{}', $4::varchar[])`,
      [userId, hash, randomUUID(), keys],
    );

  it('resets the counters with the session, and never deadlocks with attempts racing on them', async () => {
    const [account, ip] = counters();
    const stores = [new PgLoginThrottleStore(a, policy), new PgLoginThrottleStore(b, policy)];
    // Logins name the keys in both orders; every one of them locks in key order.
    const work = Array.from({ length: 40 }, (_, i) =>
      i % 4 === 0
        ? login(i % 8 ? a : b, i % 3 ? [account.id, ip.id] : [ip.id, account.id])
        : wrongAttempt(stores[i % 2], [account, ip]),
    );
    await expect(Promise.all(work)).resolves.toHaveLength(40);
    await login(a, [account.id, ip.id]);
    const rows = await a.query('SELECT failures, blocked_until FROM login_throttle WHERE key = ANY($1)', [
      [account.id, ip.id],
    ]);
    expect(rows).toEqual([
      { failures: 0, blocked_until: null },
      { failures: 0, blocked_until: null },
    ]);
  });

  it('creates no session when the account has another password hash or is disabled, and frees the slot', async () => {
    const [account, ip] = counters();
    const store = new PgLoginThrottleStore(a, policy);
    await wrongAttempt(store, [account, ip]);
    expect(await store.reserve([account, ip])).toEqual({ outcome: 'verify' });
    expect(await login(a, [account.id, ip.id], 'an older hash')).toEqual([]);
    await a.query('UPDATE users SET disabled_at = now() WHERE id = $1', [userId]);
    expect(await login(a, [account.id, ip.id])).toEqual([]);
    await a.query('UPDATE users SET disabled_at = NULL WHERE id = $1', [userId]);
    // Both freed their slot without resetting: 2 of the 3 slots are left, and the failure stays.
    expect([await h(a, ip), await h(a, account)]).toEqual([1, 1]);
    const next = await Promise.all(Array.from({ length: 4 }, () => store.reserve([account, ip])));
    expect(next.filter((r) => r.outcome === 'verify')).toHaveLength(2);
  });
});

async function h(ds: DataSource, c: ThrottleCounter): Promise<number> {
  return ((await ds.query('SELECT failures FROM login_throttle WHERE key = $1', [c.id]))[0]?.failures as number) ?? 0;
}
