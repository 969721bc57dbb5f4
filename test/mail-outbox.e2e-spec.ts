import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/config/database.js';
import { resetDatabase, startApp, TEST_DATABASE_URL, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { codeIn, linesWithSecrets, mailEnv, sleep, SmtpSink } from './support/smtp-sink.js';

const PASSWORD = 'correct horse battery staple';

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('mail outbox and dispatcher', () => {
  let sink: SmtpSink;
  let a: TestApp;
  let http: Client;
  /** Every instance started here (their logs are checked at the end); `running` are still up. */
  const apps: TestApp[] = [];
  const running = new Set<TestApp>();
  const secrets: string[] = [PASSWORD];
  /**
   * A plain connection to the shared database, outliving the app instances that come and go
   * (and keeping the in-memory PGlite alive between them).
   */
  let db: DataSource;

  async function start(env: Record<string, string>): Promise<TestApp> {
    const app = await startApp(env);
    apps.push(app);
    running.add(app);
    return app;
  }

  async function stopAll(): Promise<void> {
    for (const app of running) await app.close();
    running.clear();
  }

  async function register(on: Client, email: string): Promise<number> {
    const start = performance.now();
    const res = await on.post('/auth/register', { json: { email, password: PASSWORD } });
    expect(res.status).toBe(201);
    return performance.now() - start;
  }

  const outboxRow = async (to: string) =>
    (
      await db.query(
        'SELECT status, attempts, last_error, text_body, html_body, sent_at FROM mail_outbox WHERE to_address = $1',
        [to],
      )
    )[0];

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    // A slow poll: prompt delivery below can only come from the wake-up on commit / NOTIFY.
    a = await start(mailEnv(sink, { MAIL_POLL_INTERVAL_MS: '5000' }));
    http = client(a.url);
    db = new DataSource(dataSourceOptions({ databaseUrl: TEST_DATABASE_URL, dataDir: null }));
    await db.initialize();
  });
  afterAll(async () => {
    await stopAll();
    await db.destroy();
    await sink.stop();
  });

  it('delivers a new mail at once, without waiting for the slow poll', async () => {
    await register(http, 'prompt@example.com');
    const committed = Date.now();
    const mail = await sink.waitFor('prompt@example.com', 1, 10_000);
    secrets.push(codeIn(mail));
    expect(mail.receivedAt - committed).toBeLessThan(1500);
    // The sink has the mail a moment before the dispatcher records it as sent.
    const row = await until(
      async () => {
        const r = await outboxRow('prompt@example.com');
        return r?.status === 'sent' ? r : undefined;
      },
      5000,
      'the mail to be marked sent',
    );
    expect(row).toMatchObject({ status: 'sent', attempts: 1, text_body: null, html_body: null, last_error: null });
    expect(row.sent_at).toBeInstanceOf(Date);
  });

  it('answers register quickly while SMTP is down and delivers the mail once SMTP is back', async () => {
    await sink.stop();
    const elapsed = await register(http, 'down@example.com');
    expect(elapsed).toBeLessThan(2000);
    const failed = await until(
      async () => {
        const row = await outboxRow('down@example.com');
        return row?.attempts >= 1 && row.status === 'pending' ? row : undefined;
      },
      10_000,
      'a failed attempt',
    );
    expect(failed.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(sink.to('down@example.com')).toHaveLength(0);

    await sink.start();
    const back = Date.now();
    const mail = await sink.waitFor('down@example.com', 1, 30_000);
    secrets.push(codeIn(mail));
    expect(mail.receivedAt - back).toBeLessThan(30_000);
    await until(
      async () => ((await outboxRow('down@example.com'))?.status === 'sent' ? true : undefined),
      5000,
      'the mail to be marked sent',
    );
    expect(await outboxRow('down@example.com')).toMatchObject({ text_body: null, html_body: null });
    expect(a.logs.some((l) => l.includes('"Mail send failed"'))).toBe(true);
  });

  it('with two instances on one database delivers each mail exactly once', async () => {
    const b = await start(mailEnv(sink, { MAIL_POLL_INTERVAL_MS: '5000' }));
    const httpB = client(b.url);
    const emails = Array.from({ length: 10 }, (_, i) => `twin${i}@example.com`);
    await Promise.all(emails.map((email, i) => register(i % 2 === 0 ? http : httpB, email)));
    for (const email of emails) secrets.push(codeIn(await sink.waitFor(email, 1, 10_000)));
    await sleep(1000);
    for (const email of emails) expect(sink.to(email)).toHaveLength(1);
    await until(
      async () => {
        const [{ n }] = await db.query(
          "SELECT count(*)::int AS n FROM mail_outbox WHERE to_address LIKE 'twin%@example.com' AND status = 'sent'",
        );
        return n === 10 ? true : undefined;
      },
      5000,
      'all ten mails to be marked sent',
    );
    const rows = await db.query("SELECT status, attempts FROM mail_outbox WHERE to_address LIKE 'twin%@example.com'");
    expect(rows).toHaveLength(10);
    expect(rows.every((r: { status: string; attempts: number }) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('wakes on a mail committed by another process: NOTIFY on Postgres, the slow poll on PGlite', async () => {
    // Written behind the app's back (no in-process wake-up), as another instance would.
    await db.query(
      "INSERT INTO mail_outbox (to_address, subject, text_body, html_body) VALUES ('elsewhere@example.com', 'Hello', 'Hi', '<p>Hi</p>')",
    );
    const committed = Date.now();
    if (TEST_DATABASE_URL) await db.query("SELECT pg_notify('warden_mail_outbox', '')");
    const mail = await sink.waitFor('elsewhere@example.com', 1, 10_000);
    // The instances poll every 5 s; on Postgres the LISTEN connection must beat that by far.
    expect(mail.receivedAt - committed).toBeLessThan(TEST_DATABASE_URL ? 1000 : 5500);
    await sleep(300);
    expect(sink.to('elsewhere@example.com')).toHaveLength(1);
  });

  it('finishes the mail in hand when the app shuts down', async () => {
    await stopAll();
    const x = await start(mailEnv(sink, { MAIL_POLL_INTERVAL_MS: '100' }));
    sink.delayMs = 1000;
    try {
      await register(client(x.url), 'closing@example.com');
      await until(
        async () => ((await outboxRow('closing@example.com'))?.status === 'sending' ? true : undefined),
        5000,
        'the mail to be claimed',
      );
      const start = Date.now();
      await x.close();
      running.delete(x);
      expect(Date.now() - start).toBeGreaterThanOrEqual(500);
      expect(sink.to('closing@example.com')).toHaveLength(1);
      secrets.push(codeIn(sink.to('closing@example.com')[0]));
      expect(await outboxRow('closing@example.com')).toMatchObject({ status: 'sent', attempts: 1, text_body: null });
    } finally {
      sink.delayMs = 0;
    }
  });

  it('gives up after MAIL_MAX_ATTEMPTS, marks the mail failed and logs it without its content', async () => {
    // Only this instance may send now (instances share the outbox).
    await stopAll();
    await sink.stop();
    const c = await start(mailEnv(sink, { MAIL_MAX_ATTEMPTS: '3', MAIL_POLL_INTERVAL_MS: '100' }));
    await register(client(c.url), 'never@example.com');
    const row = await until(
      async () => {
        const r = await outboxRow('never@example.com');
        return r?.status === 'failed' ? r : undefined;
      },
      10_000,
      'the mail to be marked failed',
    );
    expect(row).toMatchObject({ attempts: 3, text_body: null, html_body: null });
    const giveUp = c.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'Mail failed; giving up');
    expect(Object.keys(giveUp).sort()).toEqual(['attempts', 'context', 'error', 'level', 'mail_id', 'msg', 'time']);
    await stopAll();
    await sink.start();
  });

  it('without SMTP_URL (log transport, not development) logs the recipient and subject only', async () => {
    const d = await start({ MAIL_POLL_INTERVAL_MS: '100' });
    await register(client(d.url), 'logged@example.com');
    const line = await until(
      () =>
        Promise.resolve(
          d.logs.map((l) => JSON.parse(l)).find((l) => l.to === 'logged@example.com' && l.context === 'Mail'),
        ),
      10_000,
      'the log transport line',
    );
    expect(line).toMatchObject({ subject: 'Your Warden verification code' });
    expect(line.body).toBeUndefined();
    expect(JSON.stringify(line)).not.toMatch(/\d{6}/);
  });

  it('wrote no code or password to the log', () => {
    expect(
      linesWithSecrets(
        apps.flatMap((x) => x.logs),
        secrets,
      ),
    ).toEqual([]);
  });
});
