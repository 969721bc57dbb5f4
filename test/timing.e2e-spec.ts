import { AuditService } from '../src/audit/audit.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';

const SAMPLES = 45;
const RESET_SAMPLES = 15;

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
};
const round = (ms: number) => Math.round(ms * 10) / 10;

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

  beforeAll(async () => {
    await resetDatabase();
    // The per-account back-off must not interfere with 30 failures per case.
    t = await startApp({ LOGIN_MAX_FAILURES: '1000' });
    http = client(t.url);
    const emails = [
      ...Array.from({ length: SAMPLES + 3 }, (_, i) => [`known${i}@example.com`, `disabled${i}@example.com`]).flat(),
      ...Array.from({ length: RESET_SAMPLES }, (_, i) => `reset${i}@example.com`),
    ];
    for (const email of emails) {
      expect((await http.post('/auth/register', { json: { email, password: PASSWORD } })).status).toBe(201);
    }
    await t.dataSource.query(`UPDATE users SET disabled_at = now() WHERE email LIKE 'disabled%'`);
  }, 120_000);
  afterAll(() => t.close());

  const login = (username: string, password: string) =>
    http.post('/auth/token', { form: { grant_type: 'password', username, password } });

  it('login: unknown email, wrong password and disabled account have medians within 10% (45 interleaved samples each)', async () => {
    const times = { unknown: [] as number[], wrong: [] as number[], disabled: [] as number[] };
    // Warm-up, not measured (first argon2 allocations, JIT).
    for (let i = SAMPLES; i < SAMPLES + 3; i++) {
      await login(`ghost${i}@example.com`, 'a wrong password');
      await login(`known${i}@example.com`, 'a wrong password');
      await login(`disabled${i}@example.com`, PASSWORD);
    }
    const cases: Array<[keyof typeof times, (i: number) => Promise<number>]> = [
      ['unknown', (i) => timed(t, () => login(`ghost${i}@example.com`, 'a wrong password'), 400)],
      ['wrong', (i) => timed(t, () => login(`known${i}@example.com`, 'a wrong password'), 400)],
      // The right password of a disabled account: the path that differs last.
      ['disabled', (i) => timed(t, () => login(`disabled${i}@example.com`, PASSWORD), 400)],
    ];
    for (let i = 0; i < SAMPLES; i++) {
      // Interleaved, and the order rotates each round so that no case always follows the same one.
      for (let k = 0; k < cases.length; k++) {
        const [name, run] = cases[(i + k) % cases.length];
        times[name].push(await run(i));
      }
    }
    const medians = { unknown: median(times.unknown), wrong: median(times.wrong), disabled: median(times.disabled) };
    console.log(
      `[timing] login medians over ${SAMPLES} samples: unknown email ${round(medians.unknown)} ms, ` +
        `wrong password ${round(medians.wrong)} ms, disabled account ${round(medians.disabled)} ms`,
    );
    expect(Math.abs(medians.unknown - medians.wrong) / medians.wrong).toBeLessThan(0.1);
    expect(Math.abs(medians.disabled - medians.wrong) / medians.wrong).toBeLessThan(0.1);
  });

  it('forgot-password: known and unknown addresses have medians within 10% (15 interleaved samples)', async () => {
    const forgot = (email: string) => http.post('/auth/forgot-password', { json: { email } });
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < RESET_SAMPLES; i++) {
      const pair = [
        async () => known.push(await timed(t, () => forgot(`reset${i}@example.com`), 202)),
        async () => unknown.push(await timed(t, () => forgot(`nobody${i}@example.com`), 202)),
      ];
      for (const run of i % 2 ? pair.reverse() : pair) await run();
    }
    console.log(
      `[timing] forgot-password medians over ${RESET_SAMPLES} samples: known ${round(median(known))} ms, unknown ${round(median(unknown))} ms`,
    );
    expect(Math.abs(median(known) - median(unknown)) / median(unknown)).toBeLessThan(0.1);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM password_reset_tokens`);
    expect(n).toBe(RESET_SAMPLES);
  });
});
