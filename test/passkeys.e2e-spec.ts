import { decodeJwt } from 'jose';
import { AuditService } from '../src/audit/audit.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { giveMfa } from './support/mfa-login.js';
import { mailWithSubject } from './support/mfa.js';
import {
  PASSKEY_GRANT,
  PASSKEY_ORIGIN,
  passkeyAssertion,
  passkeyGrant,
  registerPasskey,
  signInWithPasskey,
} from './support/passkeys.js';
import { clearRedisLimits, TEST_REDIS_URL } from './support/redis.js';
import { mailEnv, SmtpSink } from './support/smtp-sink.js';
import { type CeremonyTweaks, SoftAuthenticator } from './support/webauthn-authenticator.js';

const count = async (t: TestApp, sql: string, params: unknown[]) =>
  (await t.dataSource.query<Array<{ n: number }>>(sql, params))[0]?.n ?? 0;

describe('passkeys: registration and management', () => {
  let t: TestApp;
  let http: Client;
  let sink: SmtpSink;
  let n = 0;
  const account = () => registerAndLogin(http, `pk-reg${++n}@example.com`);

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

  it('offers creation options with a stable random user handle, required UV and resident key, no attestation', async () => {
    const { user, tokens } = await account();
    const first = await http.post('/auth/passkeys/registration/options', { token: tokens.access_token, json: {} });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const { options } = first.body;
    expect(first.body.challenge_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(options.rp).toEqual({ id: 'localhost', name: 'Warden' });
    expect(options.user.name).toBe(user.email);
    expect(Buffer.from(options.user.id, 'base64url')).toHaveLength(32);
    expect(options.user.id).not.toContain(user.id);
    expect(Buffer.from(options.challenge, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(options.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toEqual([-7, -8, -257]);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.attestation).toBe('none');
    expect(options.excludeCredentials).toEqual([]);
    const second = await http.post('/auth/passkeys/registration/options', { token: tokens.access_token, json: {} });
    expect(second.body.options.user.id).toBe(options.user.id);
    expect(second.body.options.challenge).not.toBe(options.challenge);

    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    expect((await registerPasskey(http, tokens.access_token, authenticator)).status).toBe(201);
    const third = await http.post('/auth/passkeys/registration/options', { token: tokens.access_token, json: {} });
    expect(third.body.options.excludeCredentials).toEqual([
      { id: authenticator.credentials[0].id, type: 'public-key', transports: ['internal', 'hybrid'] },
    ]);
  });

  it('registers a passkey: 201 passkey without key material, a row, a notice mail and passkey_added', async () => {
    const { user, tokens } = await account();
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    const res = await registerPasskey(http, tokens.access_token, authenticator, { name: 'Laptop' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Laptop',
      created_at: expect.stringMatching(/Z$/),
      last_used_at: null,
      backed_up: true,
      transports: ['internal', 'hybrid'],
    });
    expect(res.text).not.toContain(authenticator.credentials[0].id);
    const rows = await t.dataSource.query(
      'SELECT credential_id, sign_count::text, device_type, backed_up FROM passkeys WHERE user_id = $1',
      [user.id],
    );
    expect(rows).toEqual([
      { credential_id: authenticator.credentials[0].id, sign_count: '0', device_type: 'multiDevice', backed_up: true },
    ]);
    const mail = await mailWithSubject(sink, user.email, 'A passkey was added to your Warden account');
    expect(mail.text).toContain('"Laptop"');
    const events = await http.get('/auth/events', { token: tokens.access_token });
    expect(events.body.items.map((e: { type: string }) => e.type)).toContain('passkey_added');
  });

  it.each<[string, CeremonyTweaks]>([
    ['a foreign origin', { origin: 'https://evil.example' }],
    ['another RP ID', { rpId: 'evil.example' }],
    ['no user verification', { withoutUserVerification: true }],
    ['no user presence', { withoutUserPresence: true }],
    ['the wrong ceremony type', { type: 'webauthn.get' }],
    ['another challenge', { challenge: Buffer.alloc(32, 9).toString('base64url') }],
  ])('refuses a registration with %s: 400, nothing stored, no mail', async (_case, tweaks) => {
    const { user, tokens } = await account();
    const res = await registerPasskey(http, tokens.access_token, new SoftAuthenticator(PASSKEY_ORIGIN), { tweaks });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('The passkey could not be verified');
    expect(await count(t, 'SELECT count(*)::int AS n FROM passkeys WHERE user_id = $1', [user.id])).toBe(0);
    expect(sink.to(user.email).filter((m) => m.subject.includes('passkey'))).toEqual([]);
  });

  it('uses a registration challenge once, and only for the user it was made for', async () => {
    const alice = await account();
    const bob = await account();
    const started = await http.post('/auth/passkeys/registration/options', {
      token: alice.tokens.access_token,
      json: {},
    });
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    const credential = authenticator.create(started.body.options);
    const body = { challenge_id: started.body.challenge_id, credential };
    const stolen = await http.post('/auth/passkeys/registration', { token: bob.tokens.access_token, json: body });
    expect(stolen.status).toBe(400);
    expect(stolen.body.message).toMatch(/challenge/);
    const used = await http.post('/auth/passkeys/registration', { token: alice.tokens.access_token, json: body });
    expect(used.status).toBe(201);
    const replayed = await http.post('/auth/passkeys/registration', { token: alice.tokens.access_token, json: body });
    expect(replayed.status).toBe(400);
    expect(
      await count(t, 'SELECT count(*)::int AS n FROM passkeys WHERE user_id = ANY($1)', [[alice.user.id, bob.user.id]]),
    ).toBe(1);
  });

  it('answers 409 for a credential id that is already registered (to anyone), and stores nothing', async () => {
    const alice = await account();
    const bob = await account();
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    expect((await registerPasskey(http, alice.tokens.access_token, authenticator)).status).toBe(201);
    const reuse = authenticator.credentials[0];
    const again = await registerPasskey(http, bob.tokens.access_token, authenticator, { tweaks: { reuse } });
    expect(again.status).toBe(409);
    expect(await count(t, 'SELECT count(*)::int AS n FROM passkeys WHERE user_id = $1', [bob.user.id])).toBe(0);
  });

  it('answers 400 for a malformed body', async () => {
    const { tokens } = await account();
    const token = tokens.access_token;
    for (const json of [
      {},
      { challenge_id: 'nope', credential: {} },
      { challenge_id: crypto.randomUUID(), credential: 'x' },
    ]) {
      expect((await http.post('/auth/passkeys/registration', { token, json })).status).toBe(400);
    }
  });

  it("lists, renames and deletes my passkeys; 404 for another user's; passkey_removed audited", async () => {
    const alice = await account();
    const bob = await account();
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    const added = await registerPasskey(http, alice.tokens.access_token, authenticator, { name: 'Phone' });
    const id = added.body.id as string;
    const listed = await http.get('/auth/passkeys', { token: alice.tokens.access_token });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('cache-control')).toBe('no-store');
    expect(listed.body).toEqual([added.body]);
    expect((await http.get('/auth/passkeys', { token: bob.tokens.access_token })).body).toEqual([]);

    const renamed = await http.patch(`/auth/passkeys/${id}`, {
      token: alice.tokens.access_token,
      json: { name: 'Pixel' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ ...added.body, name: 'Pixel' });
    expect(
      (await http.patch(`/auth/passkeys/${id}`, { token: bob.tokens.access_token, json: { name: 'x' } })).status,
    ).toBe(404);
    expect(
      (await http.patch(`/auth/passkeys/${id}`, { token: alice.tokens.access_token, json: { name: 'x'.repeat(65) } }))
        .status,
    ).toBe(400);
    expect(
      (await http.patch('/auth/passkeys/not-a-uuid', { token: alice.tokens.access_token, json: { name: 'x' } })).status,
    ).toBe(400);

    expect((await http.delete(`/auth/passkeys/${id}`, { token: bob.tokens.access_token })).status).toBe(404);
    expect((await signInWithPasskey(http, authenticator)).status).toBe(200);
    const removed = await http.delete(`/auth/passkeys/${id}`, { token: alice.tokens.access_token });
    expect(removed.status).toBe(204);
    expect((await http.delete(`/auth/passkeys/${id}`, { token: alice.tokens.access_token })).status).toBe(404);
    expect((await http.get('/auth/passkeys', { token: alice.tokens.access_token })).body).toEqual([]);
    expect((await signInWithPasskey(http, authenticator)).body.error).toBe('invalid_grant');
    const events = await http.get('/auth/events', { token: alice.tokens.access_token });
    expect(events.body.items.map((e: { type: string }) => e.type)).toContain('passkey_removed');
  });

  it('needs an aal2 session for passkey changes when MFA is on (step-up), and changes nothing', async () => {
    const { user, tokens } = await account();
    await giveMfa(t, user.id);
    const res = await http.post('/auth/passkeys/registration/options', { token: tokens.access_token, json: {} });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_user_authentication"');
    expect(await count(t, 'SELECT count(*)::int AS n FROM passkey_challenges WHERE user_id = $1', [user.id])).toBe(0);
    expect((await http.get('/auth/passkeys', { token: tokens.access_token })).status).toBe(200);
  });
});

describe('passkeys: signing in', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;
  const withPasskey = async () => {
    const { user, tokens } = await registerAndLogin(http, `pk-login${++n}@example.com`);
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    const res = await registerPasskey(http, tokens.access_token, authenticator);
    if (res.status !== 201) throw new Error(res.text);
    return { user, tokens, authenticator, passkeyId: res.body.id as string };
  };

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ LOGIN_MAX_FAILURES: '50' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('offers discoverable-credential options: allowCredentials [], UV required, the RP ID', async () => {
    const res = await http.post('/auth/passkeys/authentication/options', { json: {} });
    expect(res.status).toBe(200);
    expect(res.body.challenge_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.options).toMatchObject({ rpId: 'localhost', allowCredentials: [], userVerification: 'required' });
    expect(Buffer.from(res.body.options.challenge, 'base64url').length).toBeGreaterThanOrEqual(32);
  });

  it('signs in with the passkey grant: a token response for an aal2 session, amr hwk+user', async () => {
    const { user, authenticator, passkeyId } = await withPasskey();
    const res = await signInWithPasskey(http, authenticator);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
      scope: 'profile',
    });
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ sub: user.id, acr: 'aal2', amr: ['hwk', 'user'] });
    const [session] = await t.dataSource.query('SELECT acr, amr FROM sessions WHERE id = $1', [claims.sid]);
    expect(session).toEqual({ acr: 'aal2', amr: ['hwk', 'user'] });
    const [row] = await t.dataSource.query('SELECT sign_count::text, last_used_at FROM passkeys WHERE id = $1', [
      passkeyId,
    ]);
    expect(row.sign_count).toBe('1');
    expect(row.last_used_at).not.toBeNull();
    expect((await http.get('/users/me', { token: res.body.access_token })).body.id).toBe(user.id);
    const refreshed = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: res.body.refresh_token },
    });
    expect(decodeJwt(refreshed.body.access_token)).toMatchObject({ acr: 'aal2', amr: ['hwk', 'user'] });
  });

  it.each<[string, CeremonyTweaks]>([
    ['a foreign origin', { origin: 'https://evil.example' }],
    ['another RP ID', { rpId: 'evil.example' }],
    ['no user verification', { withoutUserVerification: true }],
    ['the wrong ceremony type', { type: 'webauthn.create' }],
    ['a tampered signature', { tamperSignature: true }],
    ['no userHandle', { userHandle: null }],
    ['a challenge it was not given', { challenge: Buffer.alloc(32, 3).toString('base64url') }],
  ])('refuses an assertion with %s: invalid_grant, no session', async (_case, tweaks) => {
    const { user, authenticator } = await withPasskey();
    const res = await signInWithPasskey(http, authenticator, tweaks);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'The passkey could not be verified' });
    expect(await count(t, 'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [user.id])).toBe(1);
  });

  it('refuses a userHandle of another user', async () => {
    const alice = await withPasskey();
    const bob = await withPasskey();
    const res = await signInWithPasskey(http, alice.authenticator, {
      userHandle: bob.authenticator.credentials[0].userHandle,
    });
    expect(res.body.error).toBe('invalid_grant');
  });

  it('refuses an unknown credential and a used challenge (replay) with invalid_grant', async () => {
    const stranger = new SoftAuthenticator(PASSKEY_ORIGIN);
    stranger.create({
      rp: { id: 'localhost', name: 'Warden' },
      user: { id: Buffer.alloc(32).toString('base64url'), name: 'x', displayName: 'x' },
      challenge: Buffer.alloc(32).toString('base64url'),
      pubKeyCredParams: [],
    });
    expect((await signInWithPasskey(http, stranger)).body.error).toBe('invalid_grant');

    const { authenticator } = await withPasskey();
    const { challengeId, credential } = await passkeyAssertion(http, authenticator);
    expect((await passkeyGrant(http, challengeId, credential)).status).toBe(200);
    const replay = await passkeyGrant(http, challengeId, credential);
    expect(replay.body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/challenge/) });
  });

  it('refuses a registration challenge for a login (flow binding)', async () => {
    const { tokens, authenticator } = await withPasskey();
    const started = await http.post('/auth/passkeys/registration/options', { token: tokens.access_token, json: {} });
    const credential = authenticator.get({ challenge: started.body.options.challenge, rpId: 'localhost' });
    const res = await passkeyGrant(http, started.body.challenge_id, credential);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/challenge/) });
  });

  it('refuses a sign counter that does not grow as a cloned authenticator, and audits it', async () => {
    const { tokens, authenticator, passkeyId } = await withPasskey();
    expect((await signInWithPasskey(http, authenticator, { counter: 7 })).status).toBe(200);
    const same = await signInWithPasskey(http, authenticator, { counter: 7 });
    expect(same.body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/counter/) });
    const lower = await signInWithPasskey(http, authenticator, { counter: 3 });
    expect(lower.body.error).toBe('invalid_grant');
    expect((await signInWithPasskey(http, authenticator, { counter: 8 })).status).toBe(200);
    const [row] = await t.dataSource.query('SELECT sign_count::text FROM passkeys WHERE id = $1', [passkeyId]);
    expect(row.sign_count).toBe('8');
    await t.app.get(AuditService).flush();
    const events = await http.get('/auth/events', { token: tokens.access_token });
    const clones = events.body.items.filter((e: { type: string }) => e.type === 'passkey_clone_detected');
    expect(clones).toHaveLength(2);
    expect(clones[0].details).toEqual({ passkey_id: passkeyId });
  });

  it('writes no assertion, challenge or token to the log or the audit rows', async () => {
    const { authenticator } = await withPasskey();
    const { challengeId, credential } = await passkeyAssertion(http, authenticator);
    const res = await passkeyGrant(http, challengeId, credential);
    expect(res.status).toBe(200);
    const bad = await passkeyAssertion(http, authenticator, { tamperSignature: true });
    expect((await passkeyGrant(http, bad.challengeId, bad.credential)).status).toBe(400);
    await t.app.get(AuditService).flush();
    const secrets = [
      credential.response.signature,
      credential.response.clientDataJSON,
      bad.credential.response.signature,
      res.body.access_token as string,
      res.body.refresh_token as string,
    ];
    const written = t.logs.join('\n') + JSON.stringify(await t.dataSource.query('SELECT * FROM auth_events'));
    expect(secrets.filter((secret) => written.includes(secret))).toEqual([]);
  });

  it('accepts an authenticator that keeps no counter (always 0)', async () => {
    const { authenticator } = await withPasskey();
    expect((await signInWithPasskey(http, authenticator, { counter: 0 })).status).toBe(200);
    expect((await signInWithPasskey(http, authenticator, { counter: 0 })).status).toBe(200);
  });

  it('refuses a disabled account as for passwords', async () => {
    const { user, authenticator } = await withPasskey();
    await t.dataSource.query('UPDATE users SET disabled_at = now() WHERE id = $1', [user.id]);
    const res = await signInWithPasskey(http, authenticator);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'This account is disabled' });
  });

  it('answers invalid_request for a missing or unparsable credential, and lists the grant in the metadata', async () => {
    const missing = await http.post('/auth/token', {
      form: { grant_type: PASSKEY_GRANT, challenge_id: crypto.randomUUID() },
    });
    expect(missing.body.error).toBe('invalid_request');
    const garbage = await http.post('/auth/token', {
      form: { grant_type: PASSKEY_GRANT, challenge_id: crypto.randomUUID(), credential: '{nope' },
    });
    expect(garbage.body.error).toBe('invalid_request');
    const metadata = await http.get('/.well-known/oauth-authorization-server');
    expect(metadata.body.grant_types_supported).toContain(PASSKEY_GRANT);
  });

  it('signs in a browser with POST /auth/login/passkey: cookies, aal2; foreign origin 403; failure 401', async () => {
    const { user, authenticator } = await withPasskey();
    const first = await passkeyAssertion(http, authenticator);
    const body = { challenge_id: first.challengeId, credential: first.credential };
    const foreign = await http.post('/auth/login/passkey', { json: body, headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const fresh = await passkeyAssertion(http, authenticator);
    const res = await http.post('/auth/login/passkey', {
      json: { challenge_id: fresh.challengeId, credential: fresh.credential },
      headers: { origin: PASSKEY_ORIGIN },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: expect.objectContaining({ id: user.id, email: user.email }), expires_in: 900 });
    const cookies = res.headers.getSetCookie();
    expect(cookies.some((c) => c.startsWith('access_token=') && c.includes('HttpOnly'))).toBe(true);
    expect(cookies.some((c) => c.startsWith('refresh_token=') && c.includes('Path=/auth'))).toBe(true);
    const access = cookies
      .find((c) => c.startsWith('access_token='))!
      .split(';')[0]
      .slice('access_token='.length);
    expect(decodeJwt(access)).toMatchObject({ acr: 'aal2', amr: ['hwk', 'user'] });
    const bad = await passkeyAssertion(http, authenticator, { tamperSignature: true });
    const refused = await http.post('/auth/login/passkey', {
      json: { challenge_id: bad.challengeId, credential: bad.credential },
      headers: { origin: PASSKEY_ORIGIN },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect(
      (await http.post('/auth/login/passkey', { json: { challenge_id: 'x' }, headers: { origin: PASSKEY_ORIGIN } }))
        .status,
    ).toBe(400);
  });
});

describe('passkeys: accounts that may not sign in, and the back-off', () => {
  let t: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ AUTH_REQUIRE_EMAIL_VERIFICATION: 'true', LOGIN_MAX_FAILURES: '3' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  async function verifiedWithPasskey(email: string) {
    const registered = await http.post('/auth/register', { json: { email, password: PASSWORD } });
    await t.dataSource.query('UPDATE users SET email_verified_at = now() WHERE id = $1', [registered.body.id]);
    const token = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD },
    });
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    expect((await registerPasskey(http, token.body.access_token, authenticator)).status).toBe(201);
    return { userId: registered.body.id as string, authenticator };
  }

  it('refuses an unverified email as for passwords', async () => {
    const { userId, authenticator } = await verifiedWithPasskey('pk-unverified@example.com');
    await t.dataSource.query('UPDATE users SET email_verified_at = NULL WHERE id = $1', [userId]);
    const res = await signInWithPasskey(http, authenticator);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'The email address is not verified yet' });
  });

  it('counts failures per passkey: after LOGIN_MAX_FAILURES, 429 also for a good assertion; others unaffected', async () => {
    const victim = await verifiedWithPasskey('pk-backoff@example.com');
    const other = await verifiedWithPasskey('pk-bystander@example.com');
    for (let i = 0; i < 3; i++) {
      expect((await signInWithPasskey(http, victim.authenticator, { tamperSignature: true })).body.error).toBe(
        'invalid_grant',
      );
    }
    const locked = await signInWithPasskey(http, victim.authenticator);
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('too_many_requests');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await signInWithPasskey(http, other.authenticator)).status).toBe(200);
  });
});

// The challenge store: Postgres (PGlite) always, Redis too when the test run has one.
const stores: Array<[string, Record<string, string>]> = [
  ['the database', {}],
  ...(TEST_REDIS_URL ? [['Redis', { REDIS_URL: TEST_REDIS_URL }] as [string, Record<string, string>]] : []),
];

describe.each(stores)(
  'passkeys: a ceremony started on one instance finishes on another (challenges in %s)',
  (store, env) => {
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      await resetDatabase();
      await clearRedisLimits();
      a = await startApp(env);
      // PGlite is one process's database: a second instance needs the shared Postgres.
      b = process.env.TEST_DATABASE_URL ? await startApp(env) : a;
    });
    afterAll(async () => {
      await a.close();
      if (b !== a) await b.close();
    });

    it('registers through A what B started, and signs in through B what A started, once', async () => {
      const httpA = client(a.url);
      const httpB = client(b.url);
      const { tokens } = await registerAndLogin(httpA, 'pk-cluster@example.com');
      const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
      const started = await httpB.post('/auth/passkeys/registration/options', { token: tokens.access_token, json: {} });
      const rows = await count(a, 'SELECT count(*)::int AS n FROM passkey_challenges', []);
      expect(rows).toBe(store === 'Redis' ? 0 : 1);
      const created = authenticator.create(started.body.options);
      const registered = await httpA.post('/auth/passkeys/registration', {
        token: tokens.access_token,
        json: { challenge_id: started.body.challenge_id, credential: created },
      });
      expect(registered.status).toBe(201);
      const { challengeId, credential } = await passkeyAssertion(httpA, authenticator);
      const both = await Promise.all([
        passkeyGrant(httpB, challengeId, credential),
        passkeyGrant(httpA, challengeId, credential),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(both.find((r) => r.status === 400)!.body.error).toBe('invalid_grant');
    });
  },
);

describe('passkeys as the second step of a user with MFA on', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;
  const MFA_PASSKEY_GRANT = 'urn:warden:params:oauth:grant-type:mfa-passkey';
  const mfaUserWithPasskey = async () => {
    const { user, tokens } = await registerAndLogin(http, `pk-mfa${++n}@example.com`);
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    expect((await registerPasskey(http, tokens.access_token, authenticator)).status).toBe(201);
    const mfa = await giveMfa(t, user.id);
    return { user, tokens, authenticator, ...mfa };
  };
  const mfaToken = async (email: string) => {
    const res = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD },
    });
    expect(res.body.error).toBe('mfa_required');
    return res.body as { mfa_token: string; mfa_methods: string[] };
  };
  const mfaPasskeyGrant = (token: string, challengeId: string, credential: unknown) =>
    http.post('/auth/token', {
      form: {
        grant_type: MFA_PASSKEY_GRANT,
        mfa_token: token,
        challenge_id: challengeId,
        credential: JSON.stringify(credential),
      },
    });

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ LOGIN_MAX_FAILURES: '50' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('lists passkey in mfa_methods and takes the mfa-passkey grant: an aal2 session, amr pwd+hwk+user+mfa', async () => {
    const { user, authenticator } = await mfaUserWithPasskey();
    const first = await mfaToken(user.email);
    expect(first.mfa_methods).toEqual(['totp', 'recovery_code', 'passkey']);
    const { challengeId, credential } = await passkeyAssertion(http, authenticator);
    const res = await mfaPasskeyGrant(first.mfa_token, challengeId, credential);
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token)).toMatchObject({
      sub: user.id,
      acr: 'aal2',
      amr: ['pwd', 'hwk', 'user', 'mfa'],
    });
    const again = await mfaPasskeyGrant(first.mfa_token, challengeId, credential);
    expect(again.body.error).toBe('invalid_grant');
    const metadata = await http.get('/.well-known/oauth-authorization-server');
    expect(metadata.body.grant_types_supported).toContain(MFA_PASSKEY_GRANT);
  });

  it("refuses another user's passkey and a bad signature as the second step (invalid_grant, mfa_failed)", async () => {
    const alice = await mfaUserWithPasskey();
    const bob = await mfaUserWithPasskey();
    const { mfa_token: token } = await mfaToken(alice.user.email);
    const foreign = await passkeyAssertion(http, bob.authenticator);
    expect((await mfaPasskeyGrant(token, foreign.challengeId, foreign.credential)).body.error).toBe('invalid_grant');
    const tampered = await passkeyAssertion(http, alice.authenticator, { tamperSignature: true });
    expect((await mfaPasskeyGrant(token, tampered.challengeId, tampered.credential)).body.error).toBe('invalid_grant');
    await t.app.get(AuditService).flush();
    const rows = await t.dataSource.query<Array<{ details: { method: string } }>>(
      `SELECT details FROM auth_events WHERE user_id = $1 AND type = 'mfa_failed'`,
      [alice.user.id],
    );
    expect(rows.map((r) => r.details.method)).toEqual(['passkey', 'passkey']);
    const good = await passkeyAssertion(http, alice.authenticator);
    expect((await mfaPasskeyGrant(token, good.challengeId, good.credential)).status).toBe(200);
  });

  it('takes a passkey on POST /auth/login/mfa and POST /auth/mfa/verify', async () => {
    const { user, tokens, authenticator } = await mfaUserWithPasskey();
    const browser = await http.post('/auth/login', {
      json: { email: user.email, password: PASSWORD },
      headers: { origin: PASSKEY_ORIGIN },
    });
    expect(browser.status).toBe(202);
    expect(browser.body.mfa_methods).toEqual(['totp', 'recovery_code', 'passkey']);
    const cookie = browser.headers
      .getSetCookie()
      .find((c) => c.startsWith('mfa_token='))!
      .split(';')[0];
    const first = await passkeyAssertion(http, authenticator);
    const second = await http.post('/auth/login/mfa', {
      json: { challenge_id: first.challengeId, credential: first.credential },
      headers: { origin: PASSKEY_ORIGIN, cookie },
    });
    expect(second.status).toBe(200);
    expect(second.body.user.id).toBe(user.id);

    // The password session of before MFA was turned on is aal1: a passkey raises it.
    const blocked = await http.post('/auth/passkeys/registration/options', { token: tokens.access_token, json: {} });
    expect(blocked.status).toBe(401);
    const step = await passkeyAssertion(http, authenticator);
    const raised = await http.post('/auth/mfa/verify', {
      token: tokens.access_token,
      json: { challenge_id: step.challengeId, credential: step.credential },
    });
    expect(raised.status).toBe(200);
    expect(decodeJwt(raised.body.access_token)).toMatchObject({ acr: 'aal2' });
    const allowed = await http.post('/auth/passkeys/registration/options', { token: tokens.access_token, json: {} });
    expect(allowed.status).toBe(200);
    const mixed = await http.post('/auth/mfa/verify', {
      token: tokens.access_token,
      json: { otp: '123456', challenge_id: step.challengeId, credential: step.credential },
    });
    expect(mixed.status).toBe(400);
  });
});
