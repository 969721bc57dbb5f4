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

describe.each(harnesses)('login throttle store (%s)', (_name, open) => {
  let h: Harness;
  let store: LoginThrottleStore;

  beforeAll(async () => {
    h = await open();
    store = h.stores[0];
  });
  afterAll(() => h.close());

  it('counts each attempt on every counter and starts the wait at the threshold', async () => {
    const [account, ip] = counters();
    expect(await store.reserve([account, ip])).toEqual({ allowed: true, lockedNow: false });
    expect(await store.reserve([ip, account])).toEqual({ allowed: true, lockedNow: false });
    expect([await h.failures(account), await h.failures(ip)]).toEqual([2, 2]);
    expect(await store.reserve([account, ip])).toEqual({ allowed: true, lockedNow: true });
    expect([await h.failures(account), await h.failures(ip)]).toEqual([3, 3]);
  });

  it('refuses while a wait runs without counting, with the longest wait as Retry-After', async () => {
    const [account, ip] = counters();
    for (let i = 0; i < 3; i++) await store.reserve([account, ip]);
    for (let i = 0; i < 3; i++) {
      const refusal = await store.reserve([account, ip]);
      expect(refusal).toMatchObject({ allowed: false });
      expect(refusal.allowed === false && refusal.retryAfter).toBeGreaterThanOrEqual(policy.base - 2);
      expect(refusal.allowed === false && refusal.retryAfter).toBeLessThanOrEqual(policy.base);
    }
    expect([await h.failures(account), await h.failures(ip)]).toEqual([3, 3]);
    // The wait of one counter refuses the attempt on every counter it comes with.
    const [otherIp] = [{ ...ip, id: `${ip.id}2` }];
    expect(await store.reserve([account, otherIp])).toEqual({ allowed: true, lockedNow: false });
    expect(await h.failures(otherIp)).toBe(1);
  });

  it('doubles the wait per failure after the threshold, up to the cap (backoff.ts)', async () => {
    const [account, ip] = counters();
    for (let failures = 1; failures <= 12; failures++) {
      const longest = Math.max(...[account, ip].map((c) => waitAfterFailures(failures, c.threshold, policy)));
      expect({ failures, result: await store.reserve([account, ip]) }).toEqual({
        failures,
        result: { allowed: true, lockedNow: longest > 0 },
      });
      if (longest > 0) {
        const refusal = await store.reserve([account, ip]);
        expect({ failures, refusal }).toEqual({
          failures,
          refusal: { allowed: false, retryAfter: expect.any(Number) },
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
    for (let i = 0; i < 2; i++) await store.reserve([account, ip]);
    await h.age(ip, FAILURE_MEMORY_SECONDS - 60);
    await store.reserve([account, ip]);
    expect(await h.failures(ip)).toBe(3);
    await h.endWait(ip);
    await h.age(ip, FAILURE_MEMORY_SECONDS + 60);
    expect(await store.reserve([account, ip])).toEqual({ allowed: true, lockedNow: false });
    expect([await h.failures(account), await h.failures(ip)]).toEqual([4, 1]);
  });

  it('lets exactly the threshold through when attempts race on two instances', async () => {
    const [account, ip] = counters();
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => h.stores[i % 2].reserve([account, ip])));
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
    expect(results.filter((r) => r.allowed && r.lockedNow)).toHaveLength(1);
    expect(results.filter((r) => !r.allowed)).toHaveLength(21);
    expect([await h.failures(account), await h.failures(ip)]).toEqual([3, 3]);
  });

  it('clear() starts the streak over', async () => {
    const [account, ip] = counters();
    for (let i = 0; i < 3; i++) await store.reserve([account, ip]);
    await store.clear([account, ip]);
    expect([await h.failures(account), await h.failures(ip)]).toEqual([0, 0]);
    expect(await store.reserve([account, ip])).toEqual({ allowed: true, lockedNow: false });
  });
});

describe(`a successful login's reset of the counters (${TEST_DATABASE_URL ? 'Postgres' : 'PGlite'})`, () => {
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

  const login = (ds: DataSource, keys: string[]) =>
    ds.query(
      `SELECT id FROM login_session_create($1, now() + interval '1 day', 'jest', '192.0.2.1', 'profile', $2,
         'login_success', $1, '192.0.2.1', 'jest', '{}', $3::varchar[])`,
      [userId, randomUUID(), keys],
    );

  it('deletes the counters with the session, and never deadlocks with attempts racing on them', async () => {
    const [account, ip] = counters();
    const stores = [new PgLoginThrottleStore(a, policy), new PgLoginThrottleStore(b, policy)];
    // Logins name the keys in both orders; every one of them locks in key order.
    const work = Array.from({ length: 40 }, (_, i) =>
      i % 4 === 0
        ? login(i % 8 ? a : b, i % 3 ? [account.id, ip.id] : [ip.id, account.id])
        : stores[i % 2].reserve([account, ip]),
    );
    await expect(Promise.all(work)).resolves.toHaveLength(40);
    await login(a, [account.id, ip.id]);
    expect(await a.query('SELECT key FROM login_throttle WHERE key = ANY($1)', [[account.id, ip.id]])).toEqual([]);
  });
});
