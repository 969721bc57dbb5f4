import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { codeIn, linesWithSecrets, mailEnv, sleep, SmtpSink } from './support/smtp-sink.js';

const PASSWORD = 'correct horse battery staple';
const RESEND_BODY = { message: 'If the address belongs to an unverified account, a new code is on its way.' };

describe('email verification by one-time code', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let http: Client;
  const apps: TestApp[] = [];
  /** Every code and password used: none may show up in the log. */
  const secrets: string[] = [PASSWORD];

  async function register(email: string) {
    const res = await http.post('/auth/register', { json: { email, password: PASSWORD } });
    expect(res.status).toBe(201);
    return res.body as { id: string; email: string };
  }

  async function receivedCode(email: string, nth = 1): Promise<string> {
    const code = codeIn(await sink.waitFor(email, nth));
    secrets.push(code);
    return code;
  }

  const wrongCodeFor = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  const login = (email: string, password = PASSWORD) =>
    http.post('/auth/token', { form: { grant_type: 'password', username: email, password } });

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    t = await startApp(mailEnv(sink, { AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' }));
    apps.push(t);
    http = client(t.url);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await sink.stop();
  });

  it('mails the code over SMTP at sign-up; login is refused until it is verified, then works', async () => {
    const user = await register('Vera@Example.com');
    const mail = await sink.waitFor('vera@example.com');
    expect(mail.subject).toBe('Your Warden verification code');
    expect(mail.from).toBe('Warden Test <warden@test.example>');
    const code = await receivedCode('vera@example.com');
    expect(code).toMatch(/^\d{6}$/);
    expect(mail.html).toContain(code);

    const [stored] = await t.dataSource.query(
      'SELECT code_hash, purpose, attempts FROM email_codes WHERE user_id = $1',
      [user.id],
    );
    expect(stored).toEqual({ code_hash: expect.stringMatching(/^[0-9a-f]{64}$/), purpose: 'verify', attempts: 0 });
    expect(stored.code_hash).not.toContain(code);

    const refused = await login('vera@example.com');
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/not verified/) });

    // verify-email is a "form" endpoint.
    const verified = await http.post('/auth/verify-email', { form: { email: 'VERA@example.com', code } });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ id: user.id, email: 'vera@example.com', email_verified: true });
    expect(verified.text).not.toContain(code);

    expect((await login('vera@example.com')).status).toBe(200);
  });

  it('refuses a used code', async () => {
    const code = secrets[secrets.length - 1];
    const again = await http.post('/auth/verify-email', { json: { email: 'vera@example.com', code } });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ statusCode: 400, message: 'Invalid or expired code' });
  });

  it('answers 400 to a wrong code, and after 5 wrong tries the right code fails too', async () => {
    await register('wrong@example.com');
    const code = await receivedCode('wrong@example.com');
    for (let i = 0; i < 5; i++) {
      const res = await http.post('/auth/verify-email', {
        json: { email: 'wrong@example.com', code: wrongCodeFor(code) },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Invalid or expired code');
    }
    const right = await http.post('/auth/verify-email', { json: { email: 'wrong@example.com', code } });
    expect(right.status).toBe(400);
    const [row] = await t.dataSource.query(
      "SELECT attempts, consumed_at FROM email_codes WHERE target_email = 'wrong@example.com'",
    );
    expect(row).toEqual({ attempts: 5, consumed_at: null });
    expect((await login('wrong@example.com')).status).toBe(400);
  });

  it('counts parallel wrong guesses exactly (no more than 5 tries per code)', async () => {
    await register('parallel@example.com');
    const code = await receivedCode('parallel@example.com');
    const guesses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        http.post('/auth/verify-email', {
          json: { email: 'parallel@example.com', code: wrongCodeFor(String(Number(code) + i)) },
        }),
      ),
    );
    expect(guesses.map((g) => g.status)).toEqual(Array(12).fill(400));
    const [row] = await t.dataSource.query(
      "SELECT attempts FROM email_codes WHERE target_email = 'parallel@example.com'",
    );
    expect(row.attempts).toBe(5);
    expect((await http.post('/auth/verify-email', { json: { email: 'parallel@example.com', code } })).status).toBe(400);
  });

  it('refuses an expired code (OTP_TTL=2s)', async () => {
    const short = await startApp(mailEnv(sink, { AUTH_REQUIRE_EMAIL_VERIFICATION: 'true', OTP_TTL: '2s' }));
    apps.push(short);
    const shortHttp = client(short.url);
    expect(
      (await shortHttp.post('/auth/register', { json: { email: 'late@example.com', password: PASSWORD } })).status,
    ).toBe(201);
    const code = await receivedCode('late@example.com');
    await sleep(2100);
    const res = await shortHttp.post('/auth/verify-email', { json: { email: 'late@example.com', code } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Invalid or expired code');
  });

  it('answers a resend within 60 s with 202 but mails nothing new', async () => {
    await register('again@example.com');
    await receivedCode('again@example.com');
    const res = await http.post('/auth/verify-email/resend', { json: { email: 'again@example.com' } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual(RESEND_BODY);
    await sleep(600);
    expect(sink.to('again@example.com')).toHaveLength(1);
    const [{ count }] = await t.dataSource.query(
      "SELECT count(*)::int AS count FROM email_codes WHERE target_email = 'again@example.com'",
    );
    expect(count).toBe(1);
  });

  it('answers the same 202 for unknown and already verified addresses, and mails nothing', async () => {
    for (const email of ['nobody@example.com', 'vera@example.com']) {
      const res = await http.post('/auth/verify-email/resend', { json: { email } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual(RESEND_BODY);
    }
    await sleep(400);
    expect(sink.to('nobody@example.com')).toHaveLength(0);
    expect(sink.to('vera@example.com')).toHaveLength(1);
  });

  it('after the cooldown mails a new code that kills the old one', async () => {
    await register('renew@example.com');
    const first = await receivedCode('renew@example.com');
    // Pretend the first code was sent more than a minute ago.
    await t.dataSource.query(
      "UPDATE email_codes SET created_at = now() - interval '61 seconds' WHERE target_email = 'renew@example.com'",
    );
    expect((await http.post('/auth/verify-email/resend', { json: { email: 'renew@example.com' } })).status).toBe(202);
    const second = await receivedCode('renew@example.com', 2);
    expect((await http.post('/auth/verify-email', { json: { email: 'renew@example.com', code: first } })).status).toBe(
      first === second ? 200 : 400,
    );
    if (first !== second) {
      const ok = await http.post('/auth/verify-email', { json: { email: 'renew@example.com', code: second } });
      expect(ok.status).toBe(200);
    }
  });

  it('sends at most 5 codes an hour to one address', async () => {
    await register('cap@example.com');
    await receivedCode('cap@example.com');
    for (let sent = 1; sent <= 5; sent++) {
      await t.dataSource.query(
        "UPDATE email_codes SET created_at = created_at - interval '61 seconds' WHERE target_email = 'cap@example.com'",
      );
      expect((await http.post('/auth/verify-email/resend', { json: { email: 'cap@example.com' } })).status).toBe(202);
      if (sent < 5) await receivedCode('cap@example.com', sent + 1);
    }
    await sleep(500);
    expect(sink.to('cap@example.com')).toHaveLength(5);
  });

  it('accepts JSON only on resend (a form body answers 415) and validates fields', async () => {
    const form = await http.post('/auth/verify-email/resend', { form: { email: 'vera@example.com' } });
    expect(form.status).toBe(415);
    const bad = await http.post('/auth/verify-email', { json: { email: 'not-an-email', code: 'abc' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(
      expect.arrayContaining([expect.stringMatching(/^email /), expect.stringMatching(/^code /)]),
    );
  });

  it('wrote no code or password to the log', () => {
    const logs = apps.flatMap((a) => a.logs);
    expect(logs.length).toBeGreaterThan(20);
    expect(logs.some((l) => l.includes('"Mail sent"'))).toBe(true);
    expect(linesWithSecrets(logs, secrets)).toEqual([]);
  });
});
