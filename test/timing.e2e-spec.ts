import { AuditService } from '../src/audit/audit.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';

/** Rounds per batch; a batch too noisy to conclude from is followed by another (see `verdict`). */
const ROUNDS = 48;
const RESET_ROUNDS = 24;
/** Extra batches take time on a loaded machine. */
const TIMEOUT_MS = 240_000;
const MAX_BATCHES = 3;
/** The gap allowed on a quiet machine, and the widest that noise may stretch it to. */
const TOLERANCE = 0.1;
const MAX_TOLERANCE = 0.25;

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
};
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/**
 * Compares two cases measured side by side in the same rounds. Load from other processes slows
 * both members of a round alike, so the per-round differences cancel it; their median, relative
 * to the reference median, is the gap. The tolerance is TOLERANCE, widened to three standard
 * errors of that median (from its robust spread, 1.4826 MAD) when the machine is noisy.
 */
function verdict(reference: number[], other: number[]) {
  const diffs = other.map((x, i) => x - reference[i]);
  const ref = median(reference);
  const centre = median(diffs);
  const spread = 1.4826 * median(diffs.map((d) => Math.abs(d - centre)));
  const stderr = (1.253 * spread) / Math.sqrt(diffs.length);
  return { gap: Math.abs(centre) / ref, tolerance: Math.max(TOLERANCE, (3 * stderr) / ref), ref };
}

/** Each sample starts from a quiet server: the previous one's background audit write has landed. */
async function timed(t: TestApp, send: () => Promise<{ status: number }>, expected: number): Promise<number> {
  await t.app.get(AuditService).flush();
  await new Promise((resolve) => setTimeout(resolve, 2));
  const start = performance.now();
  const { status } = await send();
  const ms = performance.now() - start;
  expect(status).toBe(expected);
  return ms;
}

/**
 * Account enumeration by timing (OWASP Authentication Cheat Sheet): every case below does the
 * same work (lookup, counter update, one argon2 verify, one audit insert), so only noise tells
 * them apart. Every sample uses an identifier never seen before, as an enumerating attacker would.
 */
describe('response times do not reveal whether an account exists', () => {
  let t: TestApp;
  let http: Client;
  const registered = new Set<string>();

  const register = async (emails: string[]) => {
    const todo = emails.filter((e) => !registered.has(e));
    // Four at a time: the hashing pool has room for them, and the set-up takes a quarter as long.
    for (let i = 0; i < todo.length; i += 4) {
      const batch = todo.slice(i, i + 4);
      const statuses = await Promise.all(
        batch.map(async (email) => (await http.post('/auth/register', { json: { email, password: PASSWORD } })).status),
      );
      expect(statuses).toEqual(batch.map(() => 201));
      batch.forEach((email) => registered.add(email));
    }
    await t.dataSource.query(
      `UPDATE users SET disabled_at = now() WHERE email LIKE 'disabled%' AND disabled_at IS NULL`,
    );
  };

  beforeAll(async () => {
    await resetDatabase();
    // The per-account back-off must not interfere with the failures per case.
    t = await startApp({ LOGIN_MAX_FAILURES: '1000' });
    http = client(t.url);
  }, 120_000);
  afterAll(() => t.close());

  const login = (username: string, password: string) =>
    http.post('/auth/token', { form: { grant_type: 'password', username, password } });

  it(
    `login: unknown email, wrong password and disabled account take the same time (${ROUNDS} interleaved rounds or more)`,
    async () => {
      // Warm-up, not measured (first argon2 allocations, JIT).
      await register(['warm-known@example.com', 'disabled-warm@example.com']);
      for (let i = 0; i < 3; i++) {
        await login(`ghost-warm${i}@example.com`, 'a wrong password');
        await login('warm-known@example.com', 'a wrong password');
        await login('disabled-warm@example.com', PASSWORD);
      }
      const times = { unknown: [] as number[], wrong: [] as number[], disabled: [] as number[] };
      const cases: Array<[keyof typeof times, (i: number) => Promise<number>]> = [
        ['unknown', (i) => timed(t, () => login(`ghost${i}@example.com`, 'a wrong password'), 400)],
        ['wrong', (i) => timed(t, () => login(`known${i}@example.com`, 'a wrong password'), 400)],
        // The right password of a disabled account: the path that differs last.
        ['disabled', (i) => timed(t, () => login(`disabled${i}@example.com`, PASSWORD), 400)],
      ];
      let unknown = verdict([1], [1]);
      let disabled = unknown;
      for (let batch = 0; batch < MAX_BATCHES; batch++) {
        const rounds = Array.from({ length: ROUNDS }, (_, k) => batch * ROUNDS + k);
        await register(rounds.flatMap((i) => [`known${i}@example.com`, `disabled${i}@example.com`]));
        for (const i of rounds) {
          // Interleaved, and the order rotates each round so that no case always follows the same one.
          for (let k = 0; k < cases.length; k++) {
            const [name, run] = cases[(i + k) % cases.length];
            times[name].push(await run(i));
          }
        }
        unknown = verdict(times.wrong, times.unknown);
        disabled = verdict(times.wrong, times.disabled);
        if (Math.max(unknown.tolerance, disabled.tolerance) <= MAX_TOLERANCE) break;
      }
      console.log(
        `[timing] login over ${times.wrong.length} rounds: wrong password median ${Math.round(unknown.ref * 10) / 10} ms; ` +
          `unknown email ${pct(unknown.gap)} off (tolerance ${pct(unknown.tolerance)}), ` +
          `disabled account ${pct(disabled.gap)} off (tolerance ${pct(disabled.tolerance)})`,
      );
      expect(unknown.tolerance).toBeLessThanOrEqual(MAX_TOLERANCE);
      expect(disabled.tolerance).toBeLessThanOrEqual(MAX_TOLERANCE);
      expect(unknown.gap).toBeLessThan(unknown.tolerance);
      expect(disabled.gap).toBeLessThan(disabled.tolerance);
    },
    TIMEOUT_MS,
  );

  it(
    `forgot-password: known and unknown addresses take the same time (${RESET_ROUNDS} interleaved rounds or more)`,
    async () => {
      const forgot = (email: string) => http.post('/auth/forgot-password', { json: { email } });
      const known: number[] = [];
      const unknown: number[] = [];
      let result = verdict([1], [1]);
      for (let batch = 0; batch < MAX_BATCHES; batch++) {
        const rounds = Array.from({ length: RESET_ROUNDS }, (_, k) => batch * RESET_ROUNDS + k);
        await register(rounds.map((i) => `reset${i}@example.com`));
        for (const i of rounds) {
          const pair = [
            async () => known.push(await timed(t, () => forgot(`reset${i}@example.com`), 202)),
            async () => unknown.push(await timed(t, () => forgot(`nobody${i}@example.com`), 202)),
          ];
          for (const run of i % 2 ? pair.reverse() : pair) await run();
        }
        result = verdict(unknown, known);
        if (result.tolerance <= MAX_TOLERANCE) break;
      }
      console.log(
        `[timing] forgot-password over ${known.length} rounds: unknown median ${Math.round(result.ref * 10) / 10} ms, ` +
          `known ${pct(result.gap)} off (tolerance ${pct(result.tolerance)})`,
      );
      expect(result.tolerance).toBeLessThanOrEqual(MAX_TOLERANCE);
      expect(result.gap).toBeLessThan(result.tolerance);
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM password_reset_tokens`);
      expect(n).toBe(known.length);
    },
    TIMEOUT_MS,
  );
});
