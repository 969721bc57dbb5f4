import { decodeJwt } from 'jose';
import { resetDatabase, startApp, type TestApp } from '../../../test/support/app.js';
import { client } from '../../../test/support/http.js';
import { enableMfa } from '../../../test/support/mfa.js';
import { SoftAuthenticator } from '../../../test/support/webauthn-authenticator.js';
import { createWardenCookieClient } from '../src/cookie-client.js';
import type { PasskeyCeremonies } from '../src/passkeys.js';
import { StepUpRequiredError } from '../src/second-factor.js';
import { MemoryTokenStorage } from '../src/token-storage.js';
import { createWardenClient } from '../src/warden-client.js';
import { CookieJar } from './cookie-jar.js';

const PASSWORD = 'correct horse battery staple';
/** The page's origin: in CORS_ORIGINS, and so in the default WEBAUTHN_ORIGINS (RP ID localhost, from APP_URL). */
const SPA_ORIGIN = 'http://localhost:5173';

/**
 * @simplewebauthn/browser's two functions, played by the tests' software authenticator: what
 * navigator.credentials.create() / get() would answer for a platform authenticator on the page.
 * (test/passkeys.browser-spec.ts runs the real ones in Chromium.)
 */
const ceremoniesOf = (authenticator: SoftAuthenticator): PasskeyCeremonies => ({
  startRegistration: ({ optionsJSON }) => Promise.resolve(authenticator.create(optionsJSON as never) as never),
  startAuthentication: ({ optionsJSON }) => Promise.resolve(authenticator.get(optionsJSON as never) as never),
});

describe('@warden/client passkeys against a real Warden', () => {
  let warden: TestApp;
  let n = 0;
  /** Every request a client sends, as "METHOD /path", and the bodies it sent. */
  let sent: string[];
  let bodies: string[];

  const bearerClient = (authenticator: SoftAuthenticator) => {
    sent = [];
    bodies = [];
    return createWardenClient({
      baseUrl: warden.url,
      storage: new MemoryTokenStorage(),
      webauthn: ceremoniesOf(authenticator),
      fetch: async (request) => {
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        bodies.push(await request.clone().text());
        return fetch(request);
      },
    });
  };
  const cookieClient = (authenticator: SoftAuthenticator, jar: CookieJar) => {
    sent = [];
    return createWardenCookieClient({
      baseUrl: warden.url,
      webauthn: ceremoniesOf(authenticator),
      fetch: (request) => {
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        return jar.fetch(request);
      },
    });
  };
  const newAccount = async () => {
    const email = `client-pk${++n}@example.com`;
    const http = client(warden.url);
    const registered = await http.post('/auth/register', { json: { email, password: PASSWORD } });
    if (registered.status !== 201) throw new Error('register failed');
    const token = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD },
    });
    return { email, userId: registered.body.id as string, token: token.body.access_token as string };
  };
  /** An account with one passkey registered through the bearer client, and that passkey's authenticator. */
  const withPasskey = async () => {
    const account = await newAccount();
    const authenticator = new SoftAuthenticator(SPA_ORIGIN);
    const wc = bearerClient(authenticator);
    expect((await wc.login(account.email, PASSWORD)).tokens).toBeDefined();
    const registered = await wc.registerPasskey('Laptop');
    if (!registered.passkey) throw new Error(`registration: ${registered.status}`);
    return { ...account, authenticator, passkeyId: registered.passkey.id };
  };

  beforeAll(async () => {
    await resetDatabase();
    warden = await startApp({ CORS_ORIGINS: SPA_ORIGIN, COOKIE_SECURE: 'false' });
  });
  afterAll(() => warden.close());

  it('bearer: registers a passkey, then signs in with it alone (the passkey grant): an aal2 session, no email sent', async () => {
    const account = await newAccount();
    const authenticator = new SoftAuthenticator(SPA_ORIGIN);
    const wc = bearerClient(authenticator);
    await wc.login(account.email, PASSWORD);
    const registered = await wc.registerPasskey('Laptop');
    expect(registered).toEqual({
      passkey: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Laptop',
        created_at: expect.stringMatching(/Z$/),
        last_used_at: null,
        backed_up: true,
        transports: ['internal', 'hybrid'],
      },
    });
    const [row] = await warden.dataSource.query('SELECT credential_id FROM passkeys WHERE user_id = $1', [
      account.userId,
    ]);
    expect(row.credential_id).toBe(authenticator.credentials[0].id);

    const fresh = bearerClient(authenticator);
    const signedIn = await fresh.signInWithPasskey();
    expect(signedIn.tokens).toMatchObject({ token_type: 'bearer', scope: 'profile', expires_in: 900 });
    expect(await fresh.storage.get()).toEqual(signedIn.tokens);
    expect(decodeJwt(signedIn.tokens!.access_token)).toMatchObject({
      sub: account.userId,
      acr: 'aal2',
      amr: ['hwk', 'user'],
    });
    const { data, response } = await fresh.api.GET('/users/me');
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ id: account.userId, email: account.email });
    expect(sent).toEqual(['POST /auth/passkeys/authentication/options', 'POST /auth/token', 'GET /users/me']);
    const grant = new URLSearchParams(bodies[1]);
    expect(grant.get('grant_type')).toBe('urn:warden:params:oauth:grant-type:passkey');
    expect(grant.get('username')).toBeNull();
    expect(JSON.parse(grant.get('credential')!).id).toBe(authenticator.credentials[0].id);
  });

  it('bearer: an unknown passkey gets invalid_grant and stores nothing', async () => {
    const stranger = new SoftAuthenticator(SPA_ORIGIN);
    stranger.create({
      rp: { id: 'localhost', name: 'Warden' },
      user: { id: Buffer.alloc(32, 1).toString('base64url'), name: 'x', displayName: 'x' },
      challenge: Buffer.alloc(32).toString('base64url'),
      pubKeyCredParams: [],
    });
    const wc = bearerClient(stranger);
    const result = await wc.signInWithPasskey();
    expect(result.error).toEqual({ error: 'invalid_grant', error_description: 'The passkey could not be verified' });
    expect(await wc.storage.get()).toBeNull();
  });

  it("bearer: the passkey as the MFA step (mfa-passkey grant); another user's passkey is a wrong code", async () => {
    const alice = await withPasskey();
    const bob = await withPasskey();
    await enableMfa(client(warden.url), alice.token);

    const wrong = bearerClient(bob.authenticator);
    expect(await wrong.login(alice.email, PASSWORD)).toEqual({
      mfa: { methods: ['totp', 'recovery_code', 'passkey'] },
    });
    const refused = await wrong.completeMfa({ passkey: true });
    expect(refused.error).toEqual({ reason: 'wrong_code', message: expect.any(String), status: 400, attemptsLeft: 4 });
    expect(await wrong.storage.get()).toBeNull();

    const wc = bearerClient(alice.authenticator);
    expect((await wc.login(alice.email, PASSWORD)).mfa).toBeDefined();
    const second = await wc.completeMfa({ passkey: true });
    expect(second.tokens).toMatchObject({ token_type: 'bearer' });
    expect(decodeJwt(second.tokens!.access_token)).toMatchObject({
      sub: alice.userId,
      acr: 'aal2',
      amr: ['pwd', 'hwk', 'user', 'mfa'],
    });
    expect(sent).toEqual(['POST /auth/token', 'POST /auth/passkeys/authentication/options', 'POST /auth/token']);
    expect(new URLSearchParams(bodies[2]).get('grant_type')).toBe('urn:warden:params:oauth:grant-type:mfa-passkey');
  });

  it('bearer: a passkey change on an aal1 session raises StepUpRequiredError; stepUp with the passkey, then it works', async () => {
    const account = await withPasskey();
    // The client's password session predates MFA: it stays aal1.
    const wc = bearerClient(account.authenticator);
    await wc.login(account.email, PASSWORD);
    await enableMfa(client(warden.url), account.token);

    await expect(wc.registerPasskey('Phone')).rejects.toBeInstanceOf(StepUpRequiredError);
    const before = await wc.storage.get();
    const raised = await wc.stepUp({ passkey: true });
    expect(raised.tokens).toBeDefined();
    expect(raised.tokens!.refresh_token).not.toBe(before!.refresh_token);
    expect(decodeJwt(raised.tokens!.access_token)).toMatchObject({ acr: 'aal2' });

    const phone = new SoftAuthenticator(SPA_ORIGIN);
    const second = bearerClient(phone);
    await second.storage.set(raised.tokens!);
    const added = await second.registerPasskey('Phone');
    expect(added.passkey).toMatchObject({ name: 'Phone' });
    const names = await warden.dataSource.query('SELECT name FROM passkeys WHERE user_id = $1 ORDER BY created_at', [
      account.userId,
    ]);
    expect(names).toEqual([{ name: 'Laptop' }, { name: 'Phone' }]);
  });

  it('cookie: signs in with the passkey alone (POST /auth/login/passkey), and a removed passkey gets 401 without a refresh', async () => {
    const account = await withPasskey();
    const jar = new CookieJar(SPA_ORIGIN);
    const wc = cookieClient(account.authenticator, jar);
    const signedIn = await wc.signInWithPasskey();
    expect(signedIn).toEqual({
      user: expect.objectContaining({ id: account.userId, email: account.email }),
      expiresIn: 900,
    });
    expect(jar.names()).toEqual(['access_token', 'refresh_token', 'warden_session']);
    expect(decodeJwt(jar.get('access_token')!)).toMatchObject({ acr: 'aal2', amr: ['hwk', 'user'] });
    const { data, response } = await wc.api.GET('/users/me');
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ id: account.userId });
    expect(sent).toEqual(['POST /auth/passkeys/authentication/options', 'POST /auth/login/passkey', 'GET /users/me']);

    await wc.logout();
    const removed = await client(warden.url).delete(`/auth/passkeys/${account.passkeyId}`, { token: account.token });
    expect(removed.status).toBe(204);
    sent = [];
    const refused = await wc.signInWithPasskey();
    expect(refused).toEqual({
      error: expect.objectContaining({ statusCode: 401, message: 'The passkey could not be verified' }),
      status: 401,
    });
    expect(jar.names()).toEqual([]);
    expect(sent).toEqual(['POST /auth/passkeys/authentication/options', 'POST /auth/login/passkey']);
  });

  it('cookie: the passkey as the MFA step (POST /auth/login/mfa) and as the step-up', async () => {
    const account = await withPasskey();
    const jar = new CookieJar(SPA_ORIGIN);
    const wc = cookieClient(account.authenticator, jar);
    expect((await wc.login(account.email, PASSWORD)).user).toBeDefined();
    await enableMfa(client(warden.url), account.token);
    // This cookie session predates MFA (aal1): the step-up challenge, then the passkey raises it.
    await expect(wc.api.POST('/auth/passkeys/registration/options')).rejects.toBeInstanceOf(StepUpRequiredError);
    const raised = await wc.stepUp({ passkey: true });
    expect(raised).toEqual({ user: expect.objectContaining({ id: account.userId }), expiresIn: 900 });
    expect((await wc.api.POST('/auth/passkeys/registration/options')).response.status).toBe(200);
    await wc.logout();

    expect(await wc.login(account.email, PASSWORD)).toEqual({
      mfa: { methods: ['totp', 'recovery_code', 'passkey'] },
    });
    expect(jar.names()).toEqual(['mfa_token']);
    const second = await wc.completeMfa({ passkey: true });
    expect(second).toEqual({ user: expect.objectContaining({ id: account.userId }), expiresIn: 900 });
    expect(jar.names()).toEqual(['access_token', 'refresh_token', 'warden_session']);
    expect(decodeJwt(jar.get('access_token')!)).toMatchObject({ acr: 'aal2', amr: ['pwd', 'hwk', 'user', 'mfa'] });
  });
});
