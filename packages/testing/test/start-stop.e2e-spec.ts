import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startWarden, type Warden } from '@warden/testing';

const ours = () => readdirSync(tmpdir()).filter((name) => name.startsWith('warden-testing-') && !name.endsWith('.tar'));
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

function report(label: string, warden: Warden, callMs: number, stopMs: number, rssDelta: number): void {
  const p = warden.startupPhases;
  const { rss, heapUsed } = process.memoryUsage();
  console.log(
    `[testing] ${label}: startWarden() ${callMs.toFixed(0)} ms with loading Warden's code; ` +
      `ready in ${warden.startupMs.toFixed(0)} ms, ${warden.startupCpuMs.toFixed(0)} ms CPU (database ${p.databaseMs.toFixed(0)}, ` +
      `app init ${p.appMs.toFixed(0)}, listen ${p.listenMs.toFixed(0)}); stop ${stopMs.toFixed(0)} ms; ` +
      `rss +${mib(rssDelta)} (${mib(rss)} in all, JS heap ${mib(heapUsed)})`,
  );
}

async function startAndStop(label: string, options: Parameters<typeof startWarden>[0] = {}) {
  const rssBefore = process.memoryUsage().rss;
  const called = performance.now();
  const warden = await startWarden(options);
  const callMs = performance.now() - called;
  const rssDelta = process.memoryUsage().rss - rssBefore;
  const health = await fetch(`${warden.url}/health/ready`);
  expect(health.status).toBe(200);
  const stopStarted = performance.now();
  await warden.stop();
  const stopMs = performance.now() - stopStarted;
  report(label, warden, callMs, stopMs, rssDelta);
  await expect(fetch(`${warden.url}/health/ready`)).rejects.toThrow();
  return warden;
}

describe('startWarden() and stop()', () => {
  it('starts the real Warden on a free port, ready to serve; stop() closes it (first start of a file, then a warm one)', async () => {
    const before = ours();
    await startAndStop('first start in this file');
    await startAndStop('second start');
    expect(ours()).toEqual(before);
  });

  it("storage: 'temp-dir' keeps the database in a temporary directory that stop() removes", async () => {
    const warden = await startWarden({ storage: 'temp-dir' });
    try {
      expect(warden.dataDir).toMatch(/warden-testing-/);
      expect(existsSync(warden.dataDir!)).toBe(true);
      const user = await warden.createUser();
      await expect(warden.tokenFor(user)).resolves.toHaveProperty('access_token');
    } finally {
      await warden.stop();
    }
    expect(existsSync(warden.dataDir!)).toBe(false);
  });

  it('refuses a second embedded Warden in the same test file while one runs, and accepts one after stop()', async () => {
    const first = await startWarden();
    try {
      await expect(startWarden()).rejects.toThrow(/already runs in this test file/);
    } finally {
      await first.stop();
    }
    const both = await Promise.allSettled([startWarden(), startWarden()]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    await (both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Warden>).value.stop();
    const second = await startWarden();
    // A fresh database: the first one's users are gone.
    const user = await second.createUser({ email: 'again@example.test' });
    await expect(second.tokenFor(user)).resolves.toHaveProperty('access_token');
    await second.stop();
  });

  it('fails a start on a bad setting with the configuration error, leaving nothing behind', async () => {
    const before = ours();
    await expect(startWarden({ storage: 'temp-dir', config: { JWT_ALGORITHM: 'ES256' } })).rejects.toThrow(
      /JWT_PRIVATE_KEY_FILE or JWT_PRIVATE_KEY is required/,
    );
    expect(ours()).toEqual(before);
    const warden = await startWarden();
    await warden.stop();
  });

  it('takes Warden settings through config, and refuses another mail transport', async () => {
    const warden = await startWarden({ config: { ACCESS_TOKEN_TTL: '2m', AUTH_REQUIRE_EMAIL_VERIFICATION: 'false' } });
    try {
      const user = await warden.createUser({ verified: false });
      const tokens = await warden.tokenFor(user);
      expect(tokens.expires_in).toBe(120);
    } finally {
      await warden.stop();
    }
    await expect(startWarden({ config: { MAIL_TRANSPORT: 'log' } })).rejects.toThrow(/MAIL_TRANSPORT must stay memory/);
  });
});
