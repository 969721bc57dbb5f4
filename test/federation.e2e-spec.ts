import { decodeJwt } from 'jose';
import { AuditService } from '../src/audit/audit.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import {
  Browser,
  type Github,
  type Idp,
  type TokenTweak,
  IDP_CLIENT_SECRET,
  GITHUB_CLIENT_SECRET,
  providersEnv,
  startAndAuthorize,
  startGithub,
  startIdp,
  throughProvider,
} from './support/federation.js';
import { client, type Client } from './support/http.js';
import { giveMfa, ORIGIN } from './support/mfa-login.js';
import { totpCode } from './support/mfa.js';
import { PASSKEY_ORIGIN, registerPasskey } from './support/passkeys.js';
import { SmtpSink } from './support/smtp-sink.js';
import { SoftAuthenticator } from './support/webauthn-authenticator.js';

const OCTOCAT = {
  id: 583231,
  login: 'octocat',
  emails: [{ email: 'octo@example.com', primary: true, verified: true }],
};

let idp: Idp;
let github: Github;
let sink: SmtpSink;
let a: TestApp;
let b: TestApp;
let http: Client;

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await a.dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM (${sql}) q`, params);
  return row.n;
}

/** Codes and states the provider sent back, and the session tokens: none may reach the log. */
const secrets: string[] = [IDP_CLIENT_SECRET, GITHUB_CLIENT_SECRET];

const sessionCount = () => count('SELECT 1 FROM sessions');

/** A full sign-in through the provider, ending at the callback's answer. */
async function signIn(provider: string, options: { returnTo?: string; browser?: Browser; on?: TestApp } = {}) {
  const browser = options.browser ?? new Browser(a.url);
  const { callbackUrl } = await startAndAuthorize(browser, a.url, provider, options.returnTo);
  const sent = new URL(callbackUrl).searchParams;
  for (const name of ['code', 'state']) if (sent.get(name)) secrets.push(sent.get(name)!);
  const target = options.on ? callbackUrl.replace(a.url, options.on.url) : callbackUrl;
  if (options.on) {
    // Behind one load balancer both instances are one host for the browser: the same cookies.
    const jar = browser.cookies(new URL(a.url).host);
    for (const [name, value] of jar) browser.cookies(new URL(options.on.url).host).set(name, value);
  }
  const callback = await browser.request(target);
  for (const jar of browser.jar.values()) secrets.push(...jar.values());
  return { browser, callback, callbackUrl };
}

/** The callback refused: back on /login with that error, no session row, no session cookie. */
async function expectRefused(
  callback: { status: number; location: string | null; setCookie: string[] },
  error: string,
  sessionsBefore: number,
) {
  expect(callback.status).toBe(302);
  expect(new URL(callback.location!, 'http://x').pathname).toBe('/login');
  expect(new URL(callback.location!, 'http://x').searchParams.get('error')).toBe(error);
  expect(callback.setCookie.filter((c) => /^(access_token|refresh_token|warden_session)=/.test(c))).toEqual([]);
  expect(await sessionCount()).toBe(sessionsBefore);
}

function userIdOf(browser: Browser): string {
  return decodeJwt(browser.cookie('access_token')!).sub!;
}

beforeAll(async () => {
  await resetDatabase();
  idp = await startIdp();
  github = await startGithub(OCTOCAT);
  sink = await SmtpSink.start();
  const env = {
    AUTH_PROVIDERS: providersEnv(idp, github),
    SMTP_URL: sink.url,
    MAIL_POLL_INTERVAL_MS: '100',
    AUTH_REQUIRE_EMAIL_VERIFICATION: 'true',
  };
  a = await startApp(env);
  b = await startApp(env);
  http = client(a.url);
}, 60000);

afterAll(async () => {
  await b?.close();
  await a?.close();
  await sink?.stop();
  await idp?.stop();
  await github?.stop();
});

beforeEach(() => idp.reset());

describe('providers', () => {
  it('lists the configured providers by id and name only', async () => {
    const res = await http.get('/auth/providers');
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { id: 'idp', name: 'Test IdP' },
      { id: 'plain', name: 'Untrusted IdP' },
      { id: 'github', name: 'GitHub' },
    ]);
    expect(res.text).not.toContain(IDP_CLIENT_SECRET);
    expect(res.text).not.toContain(GITHUB_CLIENT_SECRET);
  });

  it('starts with a redirect carrying state, nonce and a PKCE S256 challenge, bound by an HttpOnly cookie', async () => {
    const browser = new Browser(a.url);
    const start = await browser.request(
      `${a.url}/auth/providers/idp/start?return_to=${encodeURIComponent('/account')}`,
    );
    expect(start.status).toBe(302);
    const to = new URL(start.location!);
    expect(`${to.origin}${to.pathname}`).toBe(`${idp.issuer}/authorize`);
    expect(to.searchParams.get('client_id')).toBe('warden-test-client');
    expect(to.searchParams.get('redirect_uri')).toBe('http://localhost:3000/auth/providers/idp/callback');
    expect(to.searchParams.get('response_type')).toBe('code');
    expect(to.searchParams.get('scope')).toBe('openid email profile');
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get('state')!.length).toBeGreaterThanOrEqual(43);
    expect(to.searchParams.get('nonce')!.length).toBeGreaterThanOrEqual(43);
    const binding = start.setCookie.find((c) => c.startsWith('warden_federation='))!;
    expect(binding).toMatch(/HttpOnly/i);
    expect(binding).toMatch(/SameSite=Lax/i);
    expect(binding).toMatch(/Path=\/auth\/providers/);
    expect(binding).toMatch(/Max-Age=600/);
    // Only hashes are stored: neither the state nor the binding value is in the row.
    const [row] = await a.dataSource.query(`SELECT * FROM federation_states ORDER BY created_at DESC LIMIT 1`);
    expect(JSON.stringify(row)).not.toContain(to.searchParams.get('state'));
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBeGreaterThan(599_000);
  });

  it('answers 404 for an unknown provider', async () => {
    expect((await http.get('/auth/providers/nope/start')).status).toBe(404);
  });

  it('refuses a return_to that is not ours (open redirect) and goes to the default instead', async () => {
    idp.tweak({ claims: { sub: 'redirect-user', email: 'redirect@example.com', email_verified: true } });
    const { callback } = await signIn('idp', { returnTo: 'https://evil.example.com/x' });
    expect(callback.status).toBe(302);
    expect(callback.location).toBe('/account');
  });
});

describe('sign-in with an OpenID provider', () => {
  it('creates a verified account without a password on a trusted provider, and signs the browser in (amr fed, aal1)', async () => {
    idp.tweak({ claims: { sub: 'alice-sub', email: 'Alice@Example.com', email_verified: true } });
    const before = await sessionCount();
    const { browser, callback } = await signIn('idp', { returnTo: '/account?tab=profile' });
    expect(callback.status).toBe(302);
    expect(callback.location).toBe('/account?tab=profile');
    expect(await sessionCount()).toBe(before + 1);
    const claims = decodeJwt(browser.cookie('access_token')!);
    expect(claims.amr).toEqual(['fed']);
    expect(claims.acr).toBe('aal1');
    expect(browser.cookie('refresh_token')).toBeDefined();
    expect(browser.cookie('warden_session')).toBeDefined();
    const [user] = await a.dataSource.query(`SELECT * FROM users WHERE email = 'alice@example.com'`);
    expect(user.password_hash).toBeNull();
    expect(user.email_verified_at).not.toBeNull();
    const identities = await a.dataSource.query(
      `SELECT provider, subject, email FROM federated_identities WHERE user_id = $1`,
      [user.id],
    );
    expect(identities).toEqual([{ provider: 'idp', subject: 'alice-sub', email: 'alice@example.com' }]);
    const [session] = await a.dataSource.query(`SELECT acr, amr FROM sessions WHERE user_id = $1`, [user.id]);
    expect(session).toEqual({ acr: 'aal1', amr: ['fed'] });
    await a.app.get(AuditService).flush();
    const types = (
      await a.dataSource.query(`SELECT type FROM auth_events WHERE user_id = $1 ORDER BY created_at`, [user.id])
    ).map((r: { type: string }) => r.type);
    expect(types).toEqual(expect.arrayContaining(['identity_linked', 'login_success', 'federated_login']));
    const me = await http.get('/users/me', { headers: { cookie: `access_token=${browser.cookie('access_token')}` } });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe('alice@example.com');
  });

  it('finds the account by (provider, subject) on the next sign-in, whatever email the provider says now', async () => {
    idp.tweak({ claims: { sub: 'alice-sub', email: 'changed@example.com', email_verified: false } });
    const { browser, callback } = await signIn('idp');
    expect(callback.location).toBe('/account');
    const [user] = await a.dataSource.query(`SELECT id FROM users WHERE email = 'alice@example.com'`);
    expect(userIdOf(browser)).toBe(user.id);
    expect(await count(`SELECT 1 FROM users WHERE email = 'changed@example.com'`)).toBe(0);
  });

  it('links a trusted verified email to the existing verified account', async () => {
    const reg = await http.post('/auth/register', { json: { email: 'bob@example.com', password: PASSWORD } });
    await a.dataSource.query(`UPDATE users SET email_verified_at = now() WHERE id = $1`, [reg.body.id]);
    idp.tweak({ claims: { sub: 'bob-sub', email: 'bob@example.com', email_verified: true } });
    const { browser, callback } = await signIn('idp');
    expect(callback.location).toBe('/account');
    expect(userIdOf(browser)).toBe(reg.body.id);
    expect(await count(`SELECT 1 FROM federated_identities WHERE user_id = $1`, [reg.body.id])).toBe(1);
  });

  it('starts on instance A and finishes on instance B (the state is in the database)', async () => {
    idp.tweak({ claims: { sub: 'carol-sub', email: 'carol@example.com', email_verified: true } });
    const { callback, browser } = await signIn('idp', { on: b });
    expect(callback.status).toBe(302);
    expect(callback.location).toBe('/account');
    const [user] = await a.dataSource.query(`SELECT id FROM users WHERE email = 'carol@example.com'`);
    expect(decodeJwt(browser.cookies(new URL(b.url).host).get('access_token')!).sub).toBe(user.id);
  });

  it('creates an unverified account on an untrusted provider (and, with verification required, does not sign it in)', async () => {
    idp.tweak({ claims: { sub: 'dave-sub', email: 'dave@example.com', email_verified: true } });
    const before = await sessionCount();
    const { callback } = await signIn('plain');
    await expectRefused(callback, 'unverified', before);
    const [user] = await a.dataSource.query(
      `SELECT email_verified_at, password_hash FROM users WHERE email = 'dave@example.com'`,
    );
    expect(user).toEqual({ email_verified_at: null, password_hash: null });
  });

  it('goes on with the second factor when MFA is on: amr fed + otp + mfa, aal2', async () => {
    idp.tweak({ claims: { sub: 'erin-sub', email: 'erin@example.com', email_verified: true } });
    const first = await signIn('idp');
    const userId = userIdOf(first.browser);
    const { secret } = await giveMfa(a, userId);
    const before = await sessionCount();
    const browser = new Browser(a.url);
    const { callback } = await signIn('idp', { browser, returnTo: '/account' });
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(`/mfa?return_to=${encodeURIComponent('/account')}`);
    expect(await sessionCount()).toBe(before);
    const mfaToken = browser.cookie('mfa_token')!;
    expect(mfaToken.length).toBeGreaterThanOrEqual(43);
    const res = await http.post('/auth/login/mfa', {
      json: { otp: totpCode(secret) },
      headers: { cookie: `mfa_token=${mfaToken}`, origin: ORIGIN },
    });
    expect(res.status).toBe(200);
    const access = res.headers.getSetCookie().find((c) => c.startsWith('access_token='))!;
    const claims = decodeJwt(access.split(';')[0].slice('access_token='.length));
    expect(claims.amr).toEqual(['fed', 'otp', 'mfa']);
    expect(claims.acr).toBe('aal2');
  });
});

describe('failures end on the login page with a message, with no session and no 500', () => {
  it('denied at the provider', async () => {
    idp.denyNext();
    const before = await sessionCount();
    const { callback } = await signIn('idp', { returnTo: '/account' });
    await expectRefused(callback, 'provider_denied', before);
    expect(new URL(callback.location!, 'http://x').searchParams.get('return_to')).toBe('/account');
    const page = await http.get(callback.location!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('The sign-in was cancelled or refused at the provider.');
  });

  it('a tampered state', async () => {
    idp.tweak({ claims: { sub: 'frank-sub', email: 'frank@example.com', email_verified: true } });
    const browser = new Browser(a.url);
    const { callbackUrl } = await startAndAuthorize(browser, a.url, 'idp');
    const url = new URL(callbackUrl);
    url.searchParams.set('state', 'x'.repeat(43));
    const before = await sessionCount();
    await expectRefused(await browser.request(url.href), 'bad_state', before);
  });

  it('a replayed callback', async () => {
    idp.tweak({ claims: { sub: 'frank-sub', email: 'frank@example.com', email_verified: true } });
    const { browser, callbackUrl, callback } = await signIn('idp');
    expect(callback.location).toBe('/account');
    const before = await sessionCount();
    await expectRefused(await browser.request(callbackUrl), 'bad_state', before);
  });

  it('a callback without the binding cookie (another browser)', async () => {
    idp.tweak({ claims: { sub: 'frank-sub', email: 'frank@example.com', email_verified: true } });
    const browser = new Browser(a.url);
    const { callbackUrl } = await startAndAuthorize(browser, a.url, 'idp');
    const before = await sessionCount();
    await expectRefused(await new Browser(a.url).request(callbackUrl), 'bad_state', before);
  });

  it('a callback for another provider than the flow was started for', async () => {
    idp.tweak({ claims: { sub: 'frank-sub', email: 'frank@example.com', email_verified: true } });
    const browser = new Browser(a.url);
    const { callbackUrl } = await startAndAuthorize(browser, a.url, 'idp');
    const before = await sessionCount();
    await expectRefused(await browser.request(callbackUrl.replace('/idp/', '/plain/')), 'bad_state', before);
  });

  it.each<[string, TokenTweak]>([
    ['another audience', { claims: { aud: 'someone-else' } }],
    ['another nonce', { claims: { nonce: 'not-the-one-we-sent' } }],
    ['another issuer', { claims: { iss: 'http://127.0.0.1:1/evil' } }],
    [
      'an expired id_token',
      { claims: { exp: Math.floor(Date.now() / 1000) - 300, iat: Math.floor(Date.now() / 1000) - 900 } },
    ],
    ['an unknown signing key', { kid: 'not-in-the-jwks' }],
    ['no nonce', { drop: ['nonce'] }],
  ])('an id_token with %s', async (_name, tweak) => {
    idp.tweak({
      ...tweak,
      claims: { sub: 'mallory-sub', email: 'mallory@example.com', email_verified: true, ...tweak.claims },
    });
    const before = await sessionCount();
    const users = await count('SELECT 1 FROM users');
    const { callback } = await signIn('idp');
    await expectRefused(callback, 'provider_failed', before);
    expect(await count('SELECT 1 FROM users')).toBe(users);
    expect(await count(`SELECT 1 FROM federated_identities WHERE subject = 'mallory-sub'`)).toBe(0);
  });

  it('an existing account with that email on an untrusted provider (no linking)', async () => {
    await http.post('/auth/register', { json: { email: 'grace@example.com', password: PASSWORD } });
    idp.tweak({ claims: { sub: 'grace-sub', email: 'grace@example.com', email_verified: true } });
    const before = await sessionCount();
    const { callback } = await signIn('plain');
    await expectRefused(callback, 'email_taken', before);
    expect(await count(`SELECT 1 FROM federated_identities WHERE subject = 'grace-sub'`)).toBe(0);
  });

  it('an existing unverified account with that email, even on a trusted provider (pre-registered by someone else)', async () => {
    await http.post('/auth/register', { json: { email: 'heidi@example.com', password: PASSWORD } });
    idp.tweak({ claims: { sub: 'heidi-sub', email: 'heidi@example.com', email_verified: true } });
    const before = await sessionCount();
    const { callback } = await signIn('idp');
    await expectRefused(callback, 'email_taken', before);
  });

  it('a disabled account', async () => {
    idp.tweak({ claims: { sub: 'ivan-sub', email: 'ivan@example.com', email_verified: true } });
    const first = await signIn('idp');
    await a.dataSource.query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [userIdOf(first.browser)]);
    const before = await sessionCount();
    await expectRefused((await signIn('idp')).callback, 'disabled', before);
  });

  it('a provider that cannot be reached at the start', async () => {
    const down = await startApp({
      AUTH_PROVIDERS: JSON.stringify([
        { id: 'down', name: 'Down', type: 'oidc', issuer: 'http://127.0.0.1:9/', client_id: 'x', client_secret: 'y' },
      ]),
    });
    try {
      const res = await new Browser(down.url).request(`${down.url}/auth/providers/down/start`);
      expect(res.status).toBe(302);
      expect(res.location).toBe('/login?error=provider_unavailable');
    } finally {
      await down.close();
    }
  });
});

describe('GitHub', () => {
  it('signs in with the user id and the verified primary email from the API', async () => {
    const { browser, callback } = await signIn('github');
    expect(callback.status).toBe(302);
    expect(callback.location).toBe('/account');
    const [identity] = await a.dataSource.query(
      `SELECT subject, email, user_id FROM federated_identities WHERE provider = 'github'`,
    );
    expect(identity.subject).toBe('583231');
    expect(identity.email).toBe('octo@example.com');
    expect(userIdOf(browser)).toBe(identity.user_id);
    const [user] = await a.dataSource.query(`SELECT email_verified_at FROM users WHERE id = $1`, [identity.user_id]);
    expect(user.email_verified_at).not.toBeNull();
    expect(decodeJwt(browser.cookie('access_token')!).amr).toEqual(['fed']);
  });

  it('does not verify (nor link) an unverified primary email', async () => {
    github.use({ id: 777, login: 'mona', emails: [{ email: 'bob@example.com', primary: true, verified: false }] });
    try {
      const before = await sessionCount();
      const { callback } = await signIn('github');
      await expectRefused(callback, 'email_taken', before);
    } finally {
      github.use(OCTOCAT);
    }
  });
});

describe('linked providers of a signed-in account', () => {
  let judy: { id: string; token: string };

  beforeAll(async () => {
    const reg = await http.post('/auth/register', { json: { email: 'judy@example.com', password: PASSWORD } });
    await a.dataSource.query(`UPDATE users SET email_verified_at = now() WHERE id = $1`, [reg.body.id]);
    const tokens = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'judy@example.com', password: PASSWORD },
    });
    judy = { id: reg.body.id, token: tokens.body.access_token };
  });

  async function link(provider: string, token: string, browser = new Browser(a.url)) {
    const res = await browser.request(`${a.url}/auth/identities/${provider}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ return_to: '/account' }),
    });
    return { res, browser };
  }

  it('links one more provider: {authorization_url}, then the callback links it without a new session', async () => {
    const { res, browser } = await link('plain', judy.token);
    expect(res.status).toBe(200);
    const { authorization_url: url } = JSON.parse(res.text);
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
    idp.tweak({ claims: { sub: 'judy-sub', email: 'someone-else@example.com', email_verified: false } });
    const before = await sessionCount();
    const callback = await browser.request(await throughProvider(browser, url, a.url));
    expect(callback.status).toBe(302);
    expect(callback.location).toBe('/account');
    expect(await sessionCount()).toBe(before);
    const list = await http.get('/auth/identities', { token: judy.token });
    expect(list.status).toBe(200);
    expect(list.headers.get('cache-control')).toContain('no-store');
    expect(list.body).toEqual([
      { provider: 'plain', subject: 'judy-sub', email: 'someone-else@example.com', created_at: expect.any(String) },
    ]);
    // Now that provider account signs judy in.
    const { browser: again } = await signIn('plain');
    expect(userIdOf(again)).toBe(judy.id);
  });

  it('refuses a second identity of the same provider (409) and one linked to another account', async () => {
    expect((await link('plain', judy.token)).res.status).toBe(409);
    const { res, browser } = await link('idp', judy.token);
    idp.tweak({ claims: { sub: 'alice-sub', email: 'alice@example.com', email_verified: true } });
    const callback = await browser.request(
      await throughProvider(browser, JSON.parse(res.text).authorization_url, a.url),
    );
    expect(callback.status).toBe(302);
    expect(new URL(callback.location!, 'http://x').searchParams.get('error')).toBe('identity_taken');
    expect(await count(`SELECT 1 FROM federated_identities WHERE user_id = $1`, [judy.id])).toBe(1);
  });

  it('needs a signed-in caller, and the Origin check for cookies', async () => {
    expect((await http.get('/auth/identities')).status).toBe(401);
    expect((await http.post('/auth/identities/idp')).status).toBe(401);
    expect((await http.delete('/auth/identities/idp')).status).toBe(401);
  });

  it('unlinks (204, audited), and 404 for a provider that is not linked', async () => {
    expect((await http.delete('/auth/identities/plain', { token: judy.token })).status).toBe(204);
    expect((await http.delete('/auth/identities/plain', { token: judy.token })).status).toBe(404);
    expect(await count(`SELECT 1 FROM auth_events WHERE user_id = $1 AND type = 'identity_unlinked'`, [judy.id])).toBe(
      1,
    );
  });
});

describe('accounts without a password', () => {
  let kim: { id: string; browser: Browser; token: string };

  beforeAll(async () => {
    idp.tweak({ claims: { sub: 'kim-sub', email: 'kim@example.com', email_verified: true } });
    const { browser } = await signIn('idp');
    kim = { id: userIdOf(browser), browser, token: browser.cookie('access_token')! };
    idp.reset();
  });

  it('refuses any password for it at the password grant and the cookie login, as a wrong password', async () => {
    const grant = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'kim@example.com', password: PASSWORD },
    });
    expect(grant.status).toBe(400);
    expect(grant.body.error).toBe('invalid_grant');
    const unknown = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'nobody@example.com', password: PASSWORD },
    });
    expect(grant.body.error_description).toBe(unknown.body.error_description);
    const cookieLogin = await http.post('/auth/login', {
      json: { email: 'kim@example.com', password: PASSWORD },
      headers: { origin: ORIGIN },
    });
    expect(cookieLogin.status).toBe(401);
  });

  it('answers the password re-checks with one clear 403 and changes nothing', async () => {
    const put = await http.put('/users/me/password', {
      token: kim.token,
      json: { current_password: PASSWORD, new_password: 'another long password 1' },
    });
    expect(put.status).toBe(403);
    expect(put.body.message).toContain('no password yet');
    const email = await http.post('/users/me/email', {
      token: kim.token,
      json: { new_email: 'kim2@example.com', password: PASSWORD },
    });
    expect(email.status).toBe(403);
    expect(email.body.message).toContain('no password yet');
    const del = await http.delete('/users/me', { token: kim.token, json: { password: PASSWORD } });
    expect(del.status).toBe(403);
    expect(await count('SELECT 1 FROM users WHERE id = $1 AND password_hash IS NULL', [kim.id])).toBe(1);
  });

  it('refuses to unlink the last way to sign in (409)', async () => {
    const res = await http.delete('/auth/identities/idp', { token: kim.token });
    expect(res.status).toBe(409);
    expect(await count('SELECT 1 FROM federated_identities WHERE user_id = $1', [kim.id])).toBe(1);
  });

  it('keeps the last passkey of an account with no password and no provider (409)', async () => {
    idp.tweak({ claims: { sub: 'leo-sub', email: 'leo@example.com', email_verified: true } });
    const { browser } = await signIn('idp');
    const token = browser.cookie('access_token')!;
    const added = await registerPasskey(http, token, new SoftAuthenticator(PASSKEY_ORIGIN));
    expect(added.status).toBe(201);
    // With the passkey, the provider is no longer the last way in.
    expect((await http.delete('/auth/identities/idp', { token })).status).toBe(204);
    const res = await http.delete(`/auth/passkeys/${added.body.id}`, { token });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('last way to sign in');
    expect(await count('SELECT 1 FROM passkeys WHERE id = $1', [added.body.id])).toBe(1);
  });

  it('sets a first password through forgot-password; then the provider may be unlinked', async () => {
    expect((await http.post('/auth/forgot-password', { json: { email: 'kim@example.com' } })).status).toBe(202);
    const mail = await sink.waitFor('kim@example.com');
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail.text)![1];
    const reset = await http.post('/auth/reset-password', {
      json: { token, new_password: 'a first password for kim' },
    });
    expect(reset.status).toBe(200);
    const grant = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'kim@example.com', password: 'a first password for kim' },
    });
    expect(grant.status).toBe(200);
    expect(decodeJwt(grant.body.access_token).amr).toEqual(['pwd']);
    expect((await http.delete('/auth/identities/idp', { token: grant.body.access_token })).status).toBe(204);
  });
});

describe('the log', () => {
  it('holds no client secret, code, state or session token of these flows', async () => {
    await a.app.get(AuditService).flush();
    const logs = [...a.logs, ...b.logs].join('\n');
    expect(secrets.length).toBeGreaterThan(20);
    expect(secrets.filter((secret) => logs.includes(secret))).toEqual([]);
    // The failures were logged (their kind only), so the check above looked at real lines.
    expect(logs).toContain('Sign-in at provider failed');
  });
});
