import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { linesWithSecrets, mailEnv, sleep, SmtpSink, type ReceivedMail } from './support/smtp-sink.js';

const OLD_PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';
const FORGOT_BODY = { message: 'If the address belongs to an account, a password reset link is on its way.' };

function tokenIn(mail: ReceivedMail): string {
  const link = /http:\/\/localhost:3000\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!link) throw new Error(`no reset link in: ${mail.text}`);
  return link[1];
}

describe('password reset', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let http: Client;
  const secrets: string[] = [OLD_PASSWORD, NEW_PASSWORD];

  const login = (email: string, password: string) =>
    http.post('/auth/token', { form: { grant_type: 'password', username: email, password } });

  async function registerAndLogin(email: string) {
    expect((await http.post('/auth/register', { json: { email, password: OLD_PASSWORD } })).status).toBe(201);
    const res = await login(email, OLD_PASSWORD);
    expect(res.status).toBe(200);
    secrets.push(res.body.access_token, res.body.refresh_token);
    return res.body.access_token as string;
  }

  async function forgot(email: string) {
    const res = await http.post('/auth/forgot-password', { form: { email } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual(FORGOT_BODY);
    return res;
  }

  async function resetMail(email: string, nth = 1): Promise<{ mail: ReceivedMail; token: string }> {
    // The first mail to a new account is its verification code; reset mails are recognised by subject.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const mails = sink.to(email).filter((m) => m.subject === 'Reset your Warden password');
      if (mails.length >= nth) {
        const token = tokenIn(mails[nth - 1]);
        secrets.push(token);
        return { mail: mails[nth - 1], token };
      }
      await sleep(20);
    }
    throw new Error(`no reset mail #${nth} to ${email}`);
  }

  const resetMailsTo = (email: string) => sink.to(email).filter((m) => m.subject === 'Reset your Warden password');

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    t = await startApp(mailEnv(sink));
    http = client(t.url);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('mails a link, resets the password, and revokes the tokens issued before', async () => {
    const accessToken = await registerAndLogin('rita@example.com');
    expect((await http.get('/users/me', { token: accessToken })).status).toBe(200);

    await forgot('Rita@Example.com');
    const { mail, token } = await resetMail('rita@example.com');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail.text).toContain(`reset token into the app: ${token}`);
    expect(mail.html).toContain(`href="http://localhost:3000/reset-password?token=${token}"`);
    const [stored] = await t.dataSource.query(
      "SELECT token_hash FROM password_reset_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = 'rita@example.com'",
    );
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.token_hash).not.toContain(token);

    // No GET consumes a token (mail scanners open links): the API has no such route.
    expect((await http.get(`/auth/reset-password?token=${token}`)).status).toBe(404);

    const weak = await http.post('/auth/reset-password', { json: { token, new_password: 'password123' } });
    expect(weak.status).toBe(400);
    expect(weak.body.message).toEqual([expect.stringMatching(/^new_password is too common/)]);

    const res = await http.post('/auth/reset-password', { form: { token, new_password: NEW_PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: expect.any(String) });

    expect((await login('rita@example.com', OLD_PASSWORD)).body.error).toBe('invalid_grant');
    expect((await login('rita@example.com', NEW_PASSWORD)).status).toBe(200);
    const me = await http.get('/users/me', { token: accessToken });
    expect(me.status).toBe(401);
    expect(me.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const revoked = await t.dataSource.query(
      "SELECT revoked_reason FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'rita@example.com' AND s.revoked_at IS NOT NULL",
    );
    expect(revoked).toEqual([{ revoked_reason: 'password_reset' }]);

    const notice = await sink.waitFor('rita@example.com', 3);
    expect(notice.subject).toBe('Your Warden password was changed');
    expect(notice.text).toContain('was changed at');
    expect(notice.html).toContain('If this was not you');

    const reused = await http.post('/auth/reset-password', { json: { token, new_password: 'yet another passphrase' } });
    expect(reused.status).toBe(400);
    expect(reused.body.message).toBe('Invalid or expired reset token');
  });

  it('answers 400 for an unknown or expired token', async () => {
    const unknown = await http.post('/auth/reset-password', {
      json: { token: 'A'.repeat(43), new_password: 'yet another passphrase' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toBe('Invalid or expired reset token');

    await registerAndLogin('expired@example.com');
    await forgot('expired@example.com');
    const { token } = await resetMail('expired@example.com');
    await t.dataSource.query("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'");
    const res = await http.post('/auth/reset-password', { json: { token, new_password: 'yet another passphrase' } });
    expect(res.status).toBe(400);
    expect((await login('expired@example.com', OLD_PASSWORD)).status).toBe(200);
  });

  it('answers the same 202 for an unknown address and mails nothing', async () => {
    const res = await forgot('nobody@example.com');
    expect(res.text).toBe(JSON.stringify(FORGOT_BODY));
    await sleep(500);
    expect(sink.to('nobody@example.com')).toHaveLength(0);
    const rows = await t.dataSource.query("SELECT 1 FROM mail_outbox WHERE to_address = 'nobody@example.com'");
    expect(rows).toHaveLength(0);
  });

  it('mails at most one reset link a minute per address', async () => {
    await registerAndLogin('twice@example.com');
    await forgot('twice@example.com');
    await resetMail('twice@example.com');
    await forgot('twice@example.com');
    await forgot('TWICE@example.com');
    await sleep(500);
    expect(resetMailsTo('twice@example.com')).toHaveLength(1);
  });

  it('kills every other outstanding reset token when one is used', async () => {
    await registerAndLogin('many@example.com');
    await forgot('many@example.com');
    const first = await resetMail('many@example.com');
    await t.dataSource.query("UPDATE password_reset_tokens SET created_at = now() - interval '61 seconds'");
    await forgot('many@example.com');
    const second = await resetMail('many@example.com', 2);
    expect(second.token).not.toBe(first.token);
    const ok = await http.post('/auth/reset-password', { json: { token: second.token, new_password: NEW_PASSWORD } });
    expect(ok.status).toBe(200);
    const stale = await http.post('/auth/reset-password', {
      json: { token: first.token, new_password: 'yet another passphrase' },
    });
    expect(stale.status).toBe(400);
    expect((await login('many@example.com', NEW_PASSWORD)).status).toBe(200);
  });

  it('takes a similar time for known and unknown addresses', async () => {
    const known = ['k1@example.com', 'k2@example.com', 'k3@example.com', 'k4@example.com', 'k5@example.com'];
    for (const email of known) {
      expect((await http.post('/auth/register', { json: { email, password: OLD_PASSWORD } })).status).toBe(201);
    }
    const timeOf = async (email: string) => {
      const start = performance.now();
      await forgot(email);
      return performance.now() - start;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    for (let i = 0; i < known.length; i++) {
      knownTimes.push(await timeOf(known[i]));
      unknownTimes.push(await timeOf(`unknown${i}@example.com`));
    }
    expect(Math.abs(median(knownTimes) - median(unknownTimes))).toBeLessThan(50);
  });

  it('wrote no token or password to the log', () => {
    expect(t.logs.some((l) => l.includes('"Mail sent"'))).toBe(true);
    expect(linesWithSecrets(t.logs, secrets)).toEqual([]);
  });
});
