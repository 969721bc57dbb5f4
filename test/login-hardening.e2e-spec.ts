import { PasswordHasherService, type VerifyResult } from '../src/users/password-hasher.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, TEST_DATABASE_URL, type TestApp } from './support/app.js';
import { client, type Client, type HttpResult } from './support/http.js';
import { clearRedisLimits, TEST_REDIS_URL } from './support/redis.js';

const WRONG = 'not the password at all';
const ORIGIN = { origin: 'http://localhost:3000' };

const stores: Array<[string, Record<string, string>]> = [
  [TEST_DATABASE_URL ? 'Postgres' : 'PGlite', {}],
  ...(TEST_REDIS_URL ? [['Redis', { REDIS_URL: TEST_REDIS_URL }] as [string, Record<string, string>]] : []),
];

function log(line: string): void {
  process.stdout.write(`[login-hardening] ${line}\n`);
}

function tokenAttempt(http: Client, username: string, password: string, ip: string): Promise<HttpResult> {
  return http.post('/auth/token', {
    form: { grant_type: 'password', username, password },
    headers: { 'x-forwarded-for': ip },
  });
}

/** Counts the password verifications of an app: how many, and how many at most at once. */
function watchVerifies(t: TestApp) {
  const hasher = t.app.get(PasswordHasherService);
  const stats = { total: 0, running: 0, peak: 0 };
  const wrap =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      stats.total++;
      stats.peak = Math.max(stats.peak, ++stats.running);
      try {
        return await run(...args);
      } finally {
        stats.running--;
      }
    };
  const verify = hasher.verify.bind(hasher);
  const verifyDummy = hasher.verifyDummy.bind(hasher);
  hasher.verify = wrap(verify);
  hasher.verifyDummy = wrap(verifyDummy);
  return {
    stats,
    restore: () => {
      hasher.verify = verify;
      hasher.verifyDummy = verifyDummy;
    },
  };
}

describe.each(stores)('login back-off rules (%s)', (_store, env) => {
  let a: TestApp;
  let http: Client;
  let n = 0;
  let ip = '';

  async function account(prefix: string): Promise<{ email: string; username: string; id: string }> {
    const email = `${prefix}${++n}@example.com`;
    const username = `${prefix}${n}`;
    const res = await http.post('/auth/register', { json: { email, password: PASSWORD, username } });
    expect(res.status).toBe(201);
    return { email, username, id: res.body.id as string };
  }

  beforeAll(async () => {
    await resetDatabase();
    await clearRedisLimits(env.REDIS_URL);
    a = await startApp({ ...env, TRUST_PROXY: 'true' });
    http = client(a.url);
  });
  beforeEach(() => {
    ip = `198.51.100.${++n % 250}`;
  });
  afterAll(() => a.close());

  it('lets 10 parallel logins of one account from one address with the right password all succeed', async () => {
    const { email, id } = await account('family');
    const results = await Promise.all(Array.from({ length: 10 }, () => tokenAttempt(http, email, PASSWORD, ip)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const [{ count }] = await a.dataSource.query('SELECT count(*)::int AS count FROM sessions WHERE user_id = $1', [
      id,
    ]);
    expect(count).toBe(10);
  });

  it('makes logins wait for the one slot left instead of refusing them', async () => {
    const { email } = await account('lastslot');
    for (let i = 0; i < 4; i++) expect((await tokenAttempt(http, email, WRONG, ip)).status).toBe(400);
    const results = await Promise.all(Array.from({ length: 3 }, () => tokenAttempt(http, email, PASSWORD, ip)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('verifies no more than LOGIN_MAX_FAILURES of 20 parallel wrong guesses, and never more at once', async () => {
    const { email } = await account('guess');
    const watch = watchVerifies(a);
    try {
      const results = await Promise.all(Array.from({ length: 20 }, () => tokenAttempt(http, email, WRONG, ip)));
      const statuses = results.map((r) => r.status);
      log(
        `${_store}: 20 parallel wrong guesses → ${statuses.filter((s) => s === 400).length} × 400, ` +
          `${statuses.filter((s) => s === 429).length} × 429; verified ${watch.stats.total}, at most ${watch.stats.peak} at once`,
      );
      expect(statuses.filter((s) => s === 400)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
      expect(watch.stats.total).toBe(5);
      expect(watch.stats.peak).toBeLessThanOrEqual(5);
    } finally {
      watch.restore();
    }
  });

  it('answers a known and an unknown account alike for any sequence of identifiers', async () => {
    const known = await account('seq');
    const unknown = { email: `ghost${n}@example.com`, username: `ghost${n}` };
    const answers = async (who: { email: string; username: string }) => {
      const out: number[] = [];
      for (const id of [...Array(3).fill(who.email), ...Array(3).fill(who.username), ...Array(3).fill(who.email)]) {
        out.push((await tokenAttempt(http, id as string, WRONG, ip)).status);
      }
      return out;
    };
    const expected = [400, 400, 400, 400, 400, 400, 400, 400, 429];
    expect(await answers(known)).toEqual(expected);
    expect(await answers(unknown)).toEqual(expected);
  });

  it('counts a wrong password on the account routes in the login back-off (429 + Retry-After, also for the right one)', async () => {
    const { email } = await account('recheck');
    const token = (await tokenAttempt(http, email, PASSWORD, ip)).body.access_token as string;
    const as = { token, headers: { 'x-forwarded-for': ip } };
    const changePassword = (current: string) =>
      http.put('/users/me/password', {
        ...as,
        json: { current_password: current, new_password: 'a brand new passphrase' },
      });
    const changeEmail = (password: string) =>
      http.post('/users/me/email', { ...as, json: { new_email: `moved${n}@example.com`, password } });
    const deleteMe = (password: string) => http.delete('/users/me', { ...as, json: { password } });

    expect((await changePassword(WRONG)).status).toBe(403);
    expect((await changePassword(WRONG)).status).toBe(403);
    expect((await changeEmail(WRONG)).status).toBe(403);
    expect((await deleteMe(WRONG)).status).toBe(403);
    expect((await changePassword(WRONG)).status).toBe(403);
    for (const res of [await changePassword(PASSWORD), await changeEmail(PASSWORD), await deleteMe(PASSWORD)]) {
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ statusCode: 429, message: expect.stringMatching(/try again in \d+ seconds/) });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(55);
    }
    // The same back-off as the login by email from this address.
    expect((await tokenAttempt(http, email, PASSWORD, ip)).status).toBe(429);
    // Nothing changed: the account and its password are still there.
    expect((await tokenAttempt(http, email, PASSWORD, '192.0.2.77')).status).toBe(200);
  });
});

describe('back-off keys: per identifier and address, and per account (LOGIN_MAX_FAILURES=60)', () => {
  let t: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '60' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('gives the email and the username their own per-address counter, and one account-wide counter', async () => {
    const email = 'both@example.com';
    expect((await http.post('/auth/register', { json: { email, password: PASSWORD, username: 'both' } })).status).toBe(
      201,
    );
    const ip = '198.51.100.7';
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => tokenAttempt(http, i % 2 ? 'both' : email, WRONG, ip)),
      );
      // 50 failures each: below the per-address limit of 60, had the two shared a counter it would be 100.
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(400));
    }
    // 100 failures on the account: its cap applies to every identifier and every address.
    for (const [id, from] of [
      [email, ip],
      ['both', ip],
      [email, '192.0.2.55'],
    ]) {
      const res = await tokenAttempt(http, id, PASSWORD, from);
      expect({ id, from, status: res.status }).toEqual({ id, from, status: 429 });
    }
  }, 60_000);
});

describe('a login racing a password change, a reset or a disabling', () => {
  let t: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
  });
  afterAll(() => t.close());

  /** Runs `change` right after the password is verified, before the session is created. */
  function between(change: () => Promise<unknown>): () => void {
    const hasher = t.app.get(PasswordHasherService);
    const verify = hasher.verify.bind(hasher);
    hasher.verify = async (hash: string, password: string): Promise<VerifyResult> => {
      const result = await verify(hash, password);
      hasher.verify = verify;
      await change();
      return result;
    };
    return () => (hasher.verify = verify);
  }

  const sessions = async (id: string) =>
    (await t.dataSource.query('SELECT count(*)::int AS count FROM sessions WHERE user_id = $1', [id]))[0].count;

  it('creates no session when the password hash changed or the account was disabled meanwhile', async () => {
    const email = 'racer@example.com';
    const { body: user } = await http.post('/auth/register', { json: { email, password: PASSWORD } });
    const [{ password_hash: original }] = await t.dataSource.query('SELECT password_hash FROM users WHERE id = $1', [
      user.id,
    ]);
    const setHash = (hash: string) =>
      t.dataSource.query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, hash]);

    let restore = between(() => setHash('$argon2id$v=19$m=19456,t=2,p=1$changedchanged$changedchanged'));
    const token = await tokenAttempt(http, email, PASSWORD, '192.0.2.1');
    restore();
    expect(token.status).toBe(400);
    expect(token.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid email or password' });
    await setHash(original);

    restore = between(() => setHash('$argon2id$v=19$m=19456,t=2,p=1$changedchanged$changedchanged'));
    const browser = await http.post('/auth/login', { json: { email, password: PASSWORD }, headers: ORIGIN });
    restore();
    expect(browser.status).toBe(401);
    expect(browser.headers.get('set-cookie')).toBeNull();
    await setHash(original);

    restore = between(() => t.dataSource.query('UPDATE users SET disabled_at = now() WHERE id = $1', [user.id]));
    const disabled = await tokenAttempt(http, email, PASSWORD, '192.0.2.1');
    restore();
    expect(disabled.body.error).toBe('invalid_grant');
    expect(await sessions(user.id)).toBe(0);

    await t.dataSource.query('UPDATE users SET disabled_at = NULL WHERE id = $1', [user.id]);
    expect((await tokenAttempt(http, email, PASSWORD, '192.0.2.1')).status).toBe(200);
    expect(await sessions(user.id)).toBe(1);
  });

  it('refuses a bcrypt hash above cost 14 at login at once, as a wrong password', async () => {
    const costly = '$2b$31$' + 'N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy';
    await t.dataSource.query(`INSERT INTO users (email, password_hash) VALUES ('costly@example.com', $1)`, [costly]);
    const started = Date.now();
    const res = await tokenAttempt(http, 'costly@example.com', 'whatever was hashed', '192.0.2.2');
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid email or password' });
    expect(Date.now() - started).toBeLessThan(5000);
  }, 20_000);
});
