import { login, PASSWORD, registerAdmin } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { enableMfa } from './support/mfa.js';
import { codeIn, mailEnv, sleep, SmtpSink } from './support/smtp-sink.js';

const NEW_PASSWORD = 'a brand new passphrase';
const INVALID = { statusCode: 400, error: 'Bad Request', message: 'Invalid or expired reset token' };

describe('reset tokens die with the changes that should end them', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let http: Client;
  let admin: string;

  async function register(email: string): Promise<{ id: string; token: string }> {
    const res = await http.post('/auth/register', { json: { email, password: PASSWORD } });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, token: (await login(http, email)).access_token };
  }

  /** Asks for a reset and returns the token of the mailed link. */
  async function resetToken(email: string): Promise<string> {
    expect((await http.post('/auth/forgot-password', { form: { email } })).status).toBe(202);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const mail = sink.to(email).find((m) => m.subject === 'Reset your Warden password');
      const link = mail && /reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
      if (link) return link[1];
      await sleep(20);
    }
    throw new Error(`no reset mail to ${email}`);
  }

  const reset = (token: string) => http.post('/auth/reset-password', { form: { token, new_password: NEW_PASSWORD } });

  async function passwordHash(id: string): Promise<string> {
    const rows: Array<{ h: string }> = await t.dataSource.query('SELECT password_hash AS h FROM users WHERE id = $1', [
      id,
    ]);
    return rows[0].h;
  }

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    t = await startApp(mailEnv(sink, { AUTH_REQUIRE_EMAIL_VERIFICATION: 'false' }));
    http = client(t.url);
    await registerAdmin(http, t.dataSource, 'root@example.com');
    admin = (await login(http, 'root@example.com')).access_token;
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('a password change (PUT /users/me/password) ends the outstanding reset token', async () => {
    const user = await register('changer@example.com');
    const token = await resetToken('changer@example.com');
    const changed = await http.put('/users/me/password', {
      token: user.token,
      json: { current_password: PASSWORD, new_password: 'my own new passphrase' },
    });
    expect(changed.status).toBe(204);
    const hash = await passwordHash(user.id);

    const res = await reset(token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(INVALID);
    expect(await passwordHash(user.id)).toBe(hash);
    expect((await login(http, 'changer@example.com', 'my own new passphrase')).access_token).toBeTruthy();
  });

  it('an email change ends the reset token mailed to the old address once the new one is verified', async () => {
    const user = await register('mover@example.com');
    const token = await resetToken('mover@example.com');
    const asked = await http.post('/users/me/email', {
      token: user.token,
      json: { new_email: 'moved@example.com', password: PASSWORD },
    });
    expect(asked.status).toBe(202);
    const code = codeIn(await sink.waitFor('moved@example.com'));
    // Until the new address is verified, nothing has changed.
    expect(
      await t.dataSource.query('SELECT 1 FROM password_reset_tokens WHERE user_id = $1 AND used_at IS NULL', [user.id]),
    ).toHaveLength(1);
    const verified = await http.post('/auth/verify-email', { json: { email: 'moved@example.com', code } });
    expect(verified.status).toBe(200);
    expect(verified.body.email).toBe('moved@example.com');

    const res = await reset(token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(INVALID);
    expect((await login(http, 'moved@example.com', PASSWORD)).access_token).toBeTruthy();
  });

  it('disabling the account (admin PATCH disabled:true) ends the reset token, and enabling it again does not revive it', async () => {
    const user = await register('disabled@example.com');
    const token = await resetToken('disabled@example.com');
    const hash = await passwordHash(user.id);
    expect((await http.patch(`/users/${user.id}`, { token: admin, json: { disabled: true } })).status).toBe(200);
    expect((await reset(token)).body).toMatchObject(INVALID);
    expect((await http.patch(`/users/${user.id}`, { token: admin, json: { disabled: false } })).status).toBe(200);

    const res = await reset(token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(INVALID);
    expect(await passwordHash(user.id)).toBe(hash);
  });

  it('the admin MFA reset (DELETE /users/:id/mfa) ends the reset token', async () => {
    const user = await register('lost-phone@example.com');
    await enableMfa(http, user.token);
    const token = await resetToken('lost-phone@example.com');
    const hash = await passwordHash(user.id);
    expect((await http.delete(`/users/${user.id}/mfa`, { token: admin })).status).toBe(204);

    const res = await reset(token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(INVALID);
    expect(await passwordHash(user.id)).toBe(hash);
  });

  it('refuses a reset for a disabled account like an invalid token, even with a token still outstanding', async () => {
    const user = await register('frozen@example.com');
    const token = await resetToken('frozen@example.com');
    const hash = await passwordHash(user.id);
    // Disabled behind the API's back: the token row is still unused.
    await t.dataSource.query('UPDATE users SET disabled_at = now() WHERE id = $1', [user.id]);

    const res = await reset(token);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(INVALID);
    expect(await passwordHash(user.id)).toBe(hash);
    const events = await t.dataSource.query(
      `SELECT 1 FROM auth_events WHERE user_id = $1 AND type = 'password_reset'`,
      [user.id],
    );
    expect(events).toEqual([]);
  });

  it('a token nothing ended still resets the password', async () => {
    const user = await register('control@example.com');
    const token = await resetToken('control@example.com');
    const hash = await passwordHash(user.id);
    expect((await reset(token)).status).toBe(200);
    expect(await passwordHash(user.id)).not.toBe(hash);
    expect((await login(http, 'control@example.com', NEW_PASSWORD)).access_token).toBeTruthy();
  });
});
