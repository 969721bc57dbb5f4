import { resetDatabase, startApp, type TestApp } from '../../../test/support/app.js';
import { client } from '../../../test/support/http.js';
import { enableMfa, totpCode } from '../../../test/support/mfa.js';
import { createWardenCookieClient } from '../src/cookie-client.js';
import { StepUpRequiredError } from '../src/second-factor.js';
import { CookieJar } from './cookie-jar.js';

const PASSWORD = 'correct horse battery staple';
const SPA_ORIGIN = 'http://127.0.0.1:5173';

/** A six-digit code that none of the steps Warden accepts now would produce. */
const wrongCode = (secret: string) => {
  const valid = new Set([-1, 0, 1].map((offset) => totpCode(secret, offset)));
  let code = 100000;
  while (valid.has(String(code))) code++;
  return String(code);
};

describe('@warden/client cookie mode: the MFA step and step-up, against a real Warden', () => {
  let warden: TestApp;
  let n = 0;
  /** Every request the client sends, as "METHOD /path". */
  let sent: string[];
  let jar: CookieJar;

  const newClient = () => {
    sent = [];
    jar = new CookieJar(SPA_ORIGIN);
    return createWardenCookieClient({
      baseUrl: warden.url,
      fetch: (request) => {
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        return jar.fetch(request);
      },
    });
  };
  /** An account, and its access token from a bearer session of its own (not the client's). */
  const newAccount = async () => {
    const email = `cookie-mfa${++n}@example.com`;
    const http = client(warden.url);
    if ((await http.post('/auth/register', { json: { email, password: PASSWORD } })).status !== 201) {
      throw new Error('register failed');
    }
    const token = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD },
    });
    return { email, token: token.body.access_token as string };
  };
  const newMfaAccount = async () => {
    const account = await newAccount();
    return { ...account, ...(await enableMfa(client(warden.url), account.token)) };
  };

  beforeAll(async () => {
    await resetDatabase();
    warden = await startApp({ CORS_ORIGINS: SPA_ORIGIN, COOKIE_SECURE: 'false' });
  });
  afterAll(() => warden.close());

  it("answers Warden's 202 with the second step, then signs in with a TOTP code through the mfa_token cookie", async () => {
    const wc = newClient();
    const { email, secret } = await newMfaAccount();
    const first = await wc.login(email, PASSWORD);
    expect(first).toEqual({ mfa: { methods: ['totp', 'recovery_code'] } });
    expect(jar.names()).toEqual(['mfa_token']);

    const second = await wc.completeMfa({ otp: totpCode(secret, 1) });
    expect(second).toEqual({ user: expect.objectContaining({ email, mfa_enabled: true }), expiresIn: 900 });
    expect(jar.names()).toEqual(['access_token', 'refresh_token', 'warden_session']);
    const { data, response } = await wc.api.GET('/users/me');
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ email });
    expect(sent).toEqual(['POST /auth/login', 'POST /auth/login/mfa', 'GET /users/me']);
    // The session is aal2: a step-up route works without a challenge.
    expect((await wc.api.POST('/auth/mfa/recovery-codes')).response.status).toBe(200);
  });

  it('signs in with a recovery code', async () => {
    const wc = newClient();
    const { email, recoveryCodes } = await newMfaAccount();
    expect((await wc.login(email, PASSWORD)).mfa).toBeDefined();
    const second = await wc.completeMfa({ recovery_code: recoveryCodes![0].replace('-', '') });
    expect(second.user).toMatchObject({ email });
    expect((await wc.api.GET('/users/me')).response.status).toBe(200);
  });

  it('answers wrong codes with the attempts left, without a refresh, and after the fifth says the sign-in must start again', async () => {
    const wc = newClient();
    const { email, secret } = await newMfaAccount();
    expect((await wc.login(email, PASSWORD)).mfa).toBeDefined();
    for (const attemptsLeft of [4, 3, 2, 1]) {
      const result = await wc.completeMfa({ otp: wrongCode(secret) });
      expect(result.error).toEqual({ reason: 'wrong_code', message: expect.any(String), status: 401, attemptsLeft });
    }
    const fifth = await wc.completeMfa({ otp: wrongCode(secret) });
    expect(fifth.error).toEqual({
      reason: 'sign_in_again',
      message: expect.stringMatching(/sign in again/),
      status: 401,
    });
    expect(sent.filter((s) => s === 'POST /auth/refresh')).toHaveLength(0);
    expect(jar.names()).not.toContain('access_token');
    // Warden ended the step too: the cookie's mfa_token refuses the right code.
    const dead = await wc.completeMfa({ otp: totpCode(secret, 1) });
    expect(dead.error).toMatchObject({ status: 401 });
    expect(jar.names()).not.toContain('access_token');
  });

  it('surfaces the step-up challenge as StepUpRequiredError without refreshing, then stepUp raises the session', async () => {
    const wc = newClient();
    const { email, token } = await newAccount();
    expect((await wc.login(email, PASSWORD)).user).toBeDefined();
    const { secret } = await enableMfa(client(warden.url), token);
    const accessBefore = jar.get('access_token');
    sent = [];

    const refused = wc.api.POST('/auth/mfa/recovery-codes');
    await expect(refused).rejects.toBeInstanceOf(StepUpRequiredError);
    const challenge = (await refused.catch((e: unknown) => e)) as StepUpRequiredError;
    expect(challenge.acrValues).toEqual(['aal2']);
    expect(challenge.response.status).toBe(401);
    expect(sent).toEqual(['POST /auth/mfa/recovery-codes']);

    const wrong = await wc.stepUp({ otp: wrongCode(secret) });
    expect(wrong.error).toEqual({ reason: 'wrong_code', message: 'Invalid code', status: 400 });

    const raised = await wc.stepUp({ otp: totpCode(secret, 1) });
    expect(raised).toEqual({ user: expect.objectContaining({ email, mfa_enabled: true }), expiresIn: 900 });
    expect(jar.get('access_token')).not.toBe(accessBefore);
    const retried = await wc.api.POST('/auth/mfa/recovery-codes');
    expect(retried.response.status).toBe(200);
    expect(retried.data!.recovery_codes).toHaveLength(10);
    expect(sent.filter((s) => s === 'POST /auth/refresh')).toHaveLength(0);
  });
});
