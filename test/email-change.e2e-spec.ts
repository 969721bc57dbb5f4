import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { codeIn, linesWithSecrets, mailEnv, sleep, SmtpSink } from './support/smtp-sink.js';

const PASSWORD = 'correct horse battery staple';

describe('POST /users/me/email (email change)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let http: Client;
  const secrets: string[] = [PASSWORD];

  const login = (email: string) =>
    http.post('/auth/token', { form: { grant_type: 'password', username: email, password: PASSWORD } });

  async function registerAndLogin(email: string): Promise<string> {
    expect((await http.post('/auth/register', { json: { email, password: PASSWORD } })).status).toBe(201);
    const res = await login(email);
    expect(res.status).toBe(200);
    secrets.push(res.body.access_token, res.body.refresh_token);
    return res.body.access_token;
  }

  async function changeCode(address: string): Promise<string> {
    const mail = await sink.waitFor(address);
    expect(mail.subject).toBe('Confirm your new Warden email address');
    const code = codeIn(mail);
    secrets.push(code);
    return code;
  }

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    t = await startApp(mailEnv(sink, { AUTH_REQUIRE_EMAIL_VERIFICATION: 'false' }));
    http = client(t.url);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('refuses a wrong password (403), a taken address (409), no token (401) and a form body (415)', async () => {
    const token = await registerAndLogin('erin@example.com');
    await registerAndLogin('taken@example.com');
    const wrong = await http.post('/users/me/email', {
      token,
      json: { new_email: 'erin@new.example.com', password: 'not my password' },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    const taken = await http.post('/users/me/email', {
      token,
      json: { new_email: 'Taken@Example.com', password: PASSWORD },
    });
    expect(taken.status).toBe(409);
    expect(
      (await http.post('/users/me/email', { json: { new_email: 'x@example.com', password: PASSWORD } })).status,
    ).toBe(401);
    expect(
      (await http.post('/users/me/email', { token, form: { new_email: 'x@example.com', password: PASSWORD } })).status,
    ).toBe(415);
    await sleep(300);
    expect(sink.to('erin@new.example.com')).toHaveLength(0);
  });

  it('mails a code to the new address, keeps the old one until verified, then switches and tells the old one', async () => {
    const token = await login('erin@example.com').then((r) => r.body.access_token as string);
    const res = await http.post('/users/me/email', {
      token,
      json: { new_email: 'Erin@New.Example.com', password: PASSWORD },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ message: expect.any(String) });
    const code = await changeCode('erin@new.example.com');

    // Until the code is redeemed the old address is the account's.
    expect((await http.get('/users/me', { token })).body.email).toBe('erin@example.com');
    expect((await login('erin@example.com')).status).toBe(200);

    const verified = await http.post('/auth/verify-email', { json: { email: 'erin@new.example.com', code } });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ email: 'erin@new.example.com', email_verified: true });

    const notice = await sink.waitFor('erin@example.com', 2);
    expect(notice.subject).toBe('Your Warden email address was changed');
    expect(notice.text).toContain('from erin@example.com to erin@new.example.com');
    expect(notice.html).toContain('<strong>erin@new.example.com</strong>');

    expect((await login('erin@new.example.com')).status).toBe(200);
    expect((await login('erin@example.com')).body.error).toBe('invalid_grant');
    const reused = await http.post('/auth/verify-email', { json: { email: 'erin@new.example.com', code } });
    expect(reused.status).toBe(400);
  });

  it('answers 409 at verification when the new address was taken meanwhile', async () => {
    const token = await registerAndLogin('fred@example.com');
    const res = await http.post('/users/me/email', {
      token,
      json: { new_email: 'contested@example.com', password: PASSWORD },
    });
    expect(res.status).toBe(202);
    const code = await changeCode('contested@example.com');
    await registerAndLogin('contested@example.com');

    const verified = await http.post('/auth/verify-email', { json: { email: 'contested@example.com', code } });
    expect(verified.status).toBe(409);
    expect(verified.body).toMatchObject({ statusCode: 409, message: 'Email is already registered' });
    expect((await http.get('/users/me', { token })).body.email).toBe('fred@example.com');
    await sleep(300);
    expect(sink.to('fred@example.com').filter((m) => m.subject.includes('was changed'))).toHaveLength(0);
  });

  it('wrote no code, token or password to the log', () => {
    expect(t.logs.some((l) => l.includes('"Mail sent"'))).toBe(true);
    expect(linesWithSecrets(t.logs, secrets)).toEqual([]);
  });
});
