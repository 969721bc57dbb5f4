import { resetDatabase, startApp, type TestApp } from '../../../test/support/app.js';
import { client } from '../../../test/support/http.js';
import { enableMfa, totpCode } from '../../../test/support/mfa.js';
import { StepUpRequiredError } from '../src/second-factor.js';
import { MemoryTokenStorage } from '../src/token-storage.js';
import { createWardenClient } from '../src/warden-client.js';

const PASSWORD = 'correct horse battery staple';

/** A six-digit code that none of the steps Warden accepts now would produce. */
const wrongCode = (secret: string) => {
  const valid = new Set([-1, 0, 1].map((offset) => totpCode(secret, offset)));
  let code = 100000;
  while (valid.has(String(code))) code++;
  return String(code);
};

describe('@warden/client bearer mode: the MFA step and step-up, against a real Warden', () => {
  let warden: TestApp;
  let n = 0;
  /** Every request the client sends, as "METHOD /path". */
  let sent: string[];
  /** Every body Warden answered the client, as text. */
  let answers: string[];

  const newClient = () => {
    sent = [];
    answers = [];
    return createWardenClient({
      baseUrl: warden.url,
      storage: new MemoryTokenStorage(),
      fetch: async (request) => {
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        const response = await fetch(request);
        answers.push(await response.clone().text());
        return response;
      },
    });
  };
  /** An account, and its access token from a session of its own (not the client's). */
  const newAccount = async () => {
    const email = `client-mfa${++n}@example.com`;
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
    warden = await startApp();
  });
  afterAll(() => warden.close());

  it('answers the password of an MFA user with the second step, then signs in with a TOTP code', async () => {
    const wc = newClient();
    const { email, secret } = await newMfaAccount();
    const first = await wc.login(email, PASSWORD);
    expect(first).toEqual({ mfa: { methods: ['totp', 'recovery_code'] } });
    expect(await wc.storage.get()).toBeNull();
    const mfaToken = JSON.parse(answers[0]).mfa_token as string;
    expect(mfaToken.length).toBeGreaterThanOrEqual(43);
    expect(JSON.stringify(first)).not.toContain(mfaToken);

    const second = await wc.completeMfa({ otp: totpCode(secret, 1) });
    expect(second.tokens).toMatchObject({ token_type: 'bearer', scope: 'profile' });
    expect(await wc.storage.get()).toEqual(second.tokens);
    const { data, response } = await wc.api.GET('/users/me');
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ email, mfa_enabled: true });
    expect(sent).toEqual(['POST /auth/token', 'POST /auth/token', 'GET /users/me']);
    // The session is aal2: a step-up route works without a challenge.
    expect((await wc.api.POST('/auth/mfa/recovery-codes')).response.status).toBe(200);
  });

  it('signs in with a recovery code, which then works no more', async () => {
    const wc = newClient();
    const { email, recoveryCodes } = await newMfaAccount();
    const code = recoveryCodes![0];
    expect((await wc.login(email, PASSWORD)).mfa).toBeDefined();
    const second = await wc.completeMfa({ recovery_code: code.toUpperCase() });
    expect(second.tokens).toMatchObject({ token_type: 'bearer' });
    expect((await wc.api.GET('/users/me')).response.status).toBe(200);

    const again = newClient();
    expect((await again.login(email, PASSWORD)).mfa).toBeDefined();
    const reused = await again.completeMfa({ recovery_code: code });
    expect(reused.error).toEqual({ reason: 'wrong_code', message: expect.any(String), status: 400, attemptsLeft: 4 });
    expect(await again.storage.get()).toBeNull();
  });

  it('answers wrong codes with the attempts left, and after the fifth says the sign-in must start again', async () => {
    const wc = newClient();
    const { email, secret } = await newMfaAccount();
    expect((await wc.login(email, PASSWORD)).mfa).toBeDefined();
    for (const attemptsLeft of [4, 3, 2, 1]) {
      const result = await wc.completeMfa({ otp: wrongCode(secret) });
      expect(result.error).toEqual({ reason: 'wrong_code', message: expect.any(String), status: 400, attemptsLeft });
    }
    const fifth = await wc.completeMfa({ otp: wrongCode(secret) });
    expect(fifth.error).toEqual({
      reason: 'sign_in_again',
      message: expect.stringMatching(/sign in again/),
      status: 400,
    });
    expect(sent.filter((s) => s === 'POST /auth/token')).toHaveLength(6);

    // The step is over on Warden's side too: the mfa_token refuses even the right code.
    const mfaToken = JSON.parse(answers[0]).mfa_token as string;
    const dead = await client(warden.url).post('/auth/token', {
      form: { grant_type: 'urn:warden:params:oauth:grant-type:mfa-otp', mfa_token: mfaToken, otp: totpCode(secret, 1) },
    });
    expect(dead.status).toBe(400);
    expect(dead.body.error).toBe('invalid_grant');
    // And the client does not send it again.
    const after = await wc.completeMfa({ otp: totpCode(secret, 1) });
    expect(after.error).toMatchObject({ reason: 'sign_in_again' });
    expect(sent.filter((s) => s === 'POST /auth/token')).toHaveLength(6);
    expect(await wc.storage.get()).toBeNull();
  });

  it('has no second step to complete without a login that asked for one', async () => {
    const wc = newClient();
    const { email } = await newAccount();
    expect((await wc.login(email, PASSWORD)).tokens).toBeDefined();
    expect((await wc.completeMfa({ otp: '123456' })).error).toMatchObject({ reason: 'sign_in_again' });
    expect(sent).toEqual(['POST /auth/token']);
  });

  it('surfaces the step-up challenge as StepUpRequiredError without refreshing, then stepUp raises the session', async () => {
    const wc = newClient();
    const { email, token } = await newAccount();
    const { tokens } = await wc.login(email, PASSWORD);
    // MFA turned on from another session: the client's session stays at aal1.
    const { secret } = await enableMfa(client(warden.url), token);
    sent = [];

    const refused = wc.api.POST('/auth/mfa/recovery-codes');
    await expect(refused).rejects.toBeInstanceOf(StepUpRequiredError);
    const challenge = (await refused.catch((e: unknown) => e)) as StepUpRequiredError;
    expect(challenge.acrValues).toEqual(['aal2']);
    expect(challenge.description).toMatch(/second factor/);
    expect(challenge.response.status).toBe(401);
    expect(sent).toEqual(['POST /auth/mfa/recovery-codes']);
    expect(await wc.storage.get()).toEqual(tokens);

    const wrong = await wc.stepUp({ otp: wrongCode(secret) });
    expect(wrong.error).toEqual({ reason: 'wrong_code', message: 'Invalid code', status: 400 });
    expect(await wc.storage.get()).toEqual(tokens);

    const raised = await wc.stepUp({ otp: totpCode(secret, 1) });
    expect(raised.tokens).toMatchObject({ token_type: 'bearer', scope: 'profile' });
    expect(raised.tokens!.refresh_token).not.toBe(tokens!.refresh_token);
    expect(await wc.storage.get()).toEqual(raised.tokens);
    const retried = await wc.api.POST('/auth/mfa/recovery-codes');
    expect(retried.response.status).toBe(200);
    expect(retried.data!.recovery_codes).toHaveLength(10);
    expect(sent.filter((s) => s === 'POST /auth/token')).toHaveLength(0);
  });
});
