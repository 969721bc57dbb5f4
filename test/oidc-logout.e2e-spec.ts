import { calculateJwkThumbprint, decodeJwt, exportJWK, SignJWT } from 'jose';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { IdTokenService } from '../src/oidc/id-token.service.js';
import { UsersService } from '../src/users/users.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { cookieHeader, setCookies } from './support/cookies.js';
import { client, type Client } from './support/http.js';

const ISSUER = 'http://localhost:3000';
const RETURN = 'https://rp.example.com/signed-out';
const OTHER_RETURN = 'https://other.example.com/bye';

function es256Key(): string {
  return generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

const key = es256Key();
let t: TestApp;
let http: Client;
let rp: string;
let other: string;

async function addClient(name: string, postLogout: string[]): Promise<string> {
  const rows: { id: string }[] = await t.dataSource.query(
    `INSERT INTO oauth_clients (name, type, redirect_uris, post_logout_redirect_uris, grant_types, scopes)
     VALUES ($1, 'public', $2, $3, '{authorization_code}', '{openid}') RETURNING id`,
    [name, [`${postLogout[0] ?? RETURN}/cb`], postLogout],
  );
  return rows[0].id;
}

let n = 0;
/** A user with a browser session (cookies of /auth/login) and a client session with its id_token. */
async function signedIn(clientId = rp) {
  const email = `logout${++n}@example.com`;
  await http.post('/auth/register', { json: { email, password: PASSWORD } });
  const login = await http.post('/auth/login', { json: { email, password: PASSWORD } });
  const cookies = setCookies(login);
  const jar: Record<string, string> = {
    access_token: cookies.access_token.value,
    warden_session: cookies.warden_session.value,
  };
  const token = await http.post('/auth/token', {
    form: { grant_type: 'password', username: email, password: PASSWORD, scope: 'openid profile' },
  });
  const accessToken = token.body.access_token as string;
  const sid = decodeJwt(accessToken).sid as string;
  const user = (await t.app.get(UsersService).findByEmail(email))!;
  const idToken = await t.app.get(IdTokenService).issue({
    user,
    sessionId: sid,
    clientId,
    scopes: ['openid'],
    accessToken,
    acr: 'aal1',
    amr: ['pwd'],
    authTime: new Date(),
  });
  return { email, jar, accessToken, browserAccessToken: jar.access_token, sid, idToken, userId: user.id };
}

const alive = async (accessToken: string) => (await http.get('/users/me', { token: accessToken })).status === 200;
const logout = (query: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${t.url}/oauth/logout?${new URLSearchParams(query).toString()}`, { redirect: 'manual', headers });

async function expectNothingChanged(res: Response, ...tokens: string[]) {
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.getSetCookie()).toEqual([]);
  expect(await res.text()).toMatch(/Nothing was changed/);
  for (const token of tokens) expect(await alive(token)).toBe(true);
}

beforeAll(async () => {
  await resetDatabase();
  t = await startApp({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: key });
  http = client(t.url);
  rp = await addClient('RP', [RETURN]);
  other = await addClient('Other', [OTHER_RETURN]);
});
afterAll(() => t.close());

describe('GET /oauth/logout with an id_token_hint', () => {
  it("revokes the hint's session and the browser's, clears the cookies and returns to the registered URI with state", async () => {
    const s = await signedIn();
    const res = await logout(
      { id_token_hint: s.idToken, post_logout_redirect_uri: RETURN, state: 'af0ifjsldkj' },
      { cookie: cookieHeader(s.jar) },
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${RETURN}?state=af0ifjsldkj`);
    const cleared = res.headers.getSetCookie().join('\n');
    expect(cleared).toMatch(/access_token=;.*Path=\//);
    expect(cleared).toMatch(/refresh_token=;.*Path=\/auth/);
    expect(cleared).toMatch(/warden_session=;/);
    expect(await alive(s.accessToken)).toBe(false);
    expect(await alive(s.browserAccessToken)).toBe(false);
    const rows: { revoked_reason: string }[] = await t.dataSource.query(
      'SELECT revoked_reason FROM sessions WHERE user_id = $1',
      [s.userId],
    );
    expect(rows.map((r) => r.revoked_reason)).toEqual(['logout', 'logout']);
  });

  it('shows the signed-out page when no post_logout_redirect_uri is given', async () => {
    const s = await signedIn();
    const res = await logout({ id_token_hint: s.idToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await res.text()).toMatch(/You are signed out/);
    expect(await alive(s.accessToken)).toBe(false);
    // No cookie was sent: the browser session of the cookies is untouched.
    expect(await alive(s.browserAccessToken)).toBe(true);
  });

  it('accepts an expired hint (its signature, issuer and typ are still checked)', async () => {
    const s = await signedIn();
    const kid = await calculateJwkThumbprint(await exportJWK(createPublicKey(key)));
    const expired = await new SignJWT({ sid: s.sid })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid })
      .setIssuer(ISSUER)
      .setSubject(s.userId)
      .setAudience(rp)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(createPrivateKey(key));
    const res = await logout({ id_token_hint: expired, post_logout_redirect_uri: RETURN });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(RETURN);
    expect(await alive(s.accessToken)).toBe(false);
  });

  it('finds the browser session by its warden_session cookie alone (after the access cookie is gone)', async () => {
    const s = await signedIn();
    const res = await logout(
      { id_token_hint: s.idToken },
      { cookie: cookieHeader({ warden_session: s.jar.warden_session }) },
    );
    expect(res.status).toBe(200);
    expect(await alive(s.browserAccessToken)).toBe(false);
    expect(res.headers.getSetCookie().join('\n')).toMatch(/warden_session=;/);
  });

  it("never ends another user's browser session", async () => {
    const a = await signedIn();
    const b = await signedIn();
    const res = await logout({ id_token_hint: a.idToken }, { cookie: cookieHeader(b.jar) });
    expect(res.status).toBe(200);
    expect(await alive(a.accessToken)).toBe(false);
    expect(await alive(b.browserAccessToken)).toBe(true);
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});

describe('GET /oauth/logout never redirects anywhere but a registered post-logout URI', () => {
  it.each([
    ['an unregistered URI', OTHER_RETURN.replace('other', 'evil')],
    ['a longer path', `${RETURN}/../../evil`],
    ['a suffix on the host', 'https://rp.example.com.evil.com/signed-out'],
    ['another scheme', RETURN.replace('https', 'http')],
    ['a query added', `${RETURN}?next=https://evil.example`],
    ['a trailing slash', `${RETURN}/`],
  ])('refuses %s: 400 page, no Location, nothing revoked', async (_name, uri) => {
    const s = await signedIn();
    const res = await logout({ id_token_hint: s.idToken, post_logout_redirect_uri: uri, state: 'x' });
    await expectNothingChanged(res, s.accessToken);
  });

  it("refuses another client's registered URI", async () => {
    const s = await signedIn();
    await expectNothingChanged(
      await logout({ id_token_hint: s.idToken, post_logout_redirect_uri: OTHER_RETURN }),
      s.accessToken,
    );
    await expectNothingChanged(
      await logout({ id_token_hint: s.idToken, client_id: other, post_logout_redirect_uri: OTHER_RETURN }),
      s.accessToken,
    );
  });

  it('refuses a redirect URI without a client to check it against', async () => {
    const s = await signedIn();
    await expectNothingChanged(
      await logout({ post_logout_redirect_uri: RETURN }, { cookie: cookieHeader(s.jar) }),
      s.browserAccessToken,
    );
    await expectNothingChanged(
      await logout({ client_id: '00000000-0000-4000-8000-000000000000', post_logout_redirect_uri: RETURN }),
    );
  });
});

describe('GET /oauth/logout refuses a hint that is not an id_token of this server', () => {
  it('one signed by another key, or an access token, or with another issuer, or garbage', async () => {
    const s = await signedIn();
    const foreign = es256Key();
    const kid = await calculateJwkThumbprint(await exportJWK(createPublicKey(foreign)));
    const forged = await new SignJWT({ sid: s.sid })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid })
      .setIssuer(ISSUER)
      .setSubject(s.userId)
      .setAudience(rp)
      .sign(createPrivateKey(foreign));
    const ourKid = await calculateJwkThumbprint(await exportJWK(createPublicKey(key)));
    const otherIssuer = await new SignJWT({ sid: s.sid })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: ourKid })
      .setIssuer('https://elsewhere.example')
      .setSubject(s.userId)
      .setAudience(rp)
      .sign(createPrivateKey(key));
    for (const hint of [forged, s.accessToken, otherIssuer, 'not.a.jwt', `${s.idToken}x`]) {
      await expectNothingChanged(
        await logout({ id_token_hint: hint, post_logout_redirect_uri: RETURN }),
        s.accessToken,
      );
    }
  });

  it('refuses a client_id that is not the audience of the hint', async () => {
    const s = await signedIn();
    await expectNothingChanged(await logout({ id_token_hint: s.idToken, client_id: other }), s.accessToken);
  });

  it('refuses a duplicated parameter', async () => {
    const s = await signedIn();
    const res = await fetch(`${t.url}/oauth/logout?id_token_hint=${s.idToken}&id_token_hint=${s.idToken}`, {
      redirect: 'manual',
    });
    await expectNothingChanged(res, s.accessToken);
  });
});

describe('/oauth/logout without a hint', () => {
  it('asks a signed-in browser to confirm, and the confirmation (POST, same origin) signs out and returns', async () => {
    const s = await signedIn();
    const ask = await logout(
      { client_id: rp, post_logout_redirect_uri: RETURN, state: 's1' },
      { cookie: cookieHeader(s.jar) },
    );
    expect(ask.status).toBe(200);
    const page = await ask.text();
    expect(page).toMatch(/<form method="post" action="\/oauth\/logout">/);
    expect(page).toContain(`name="post_logout_redirect_uri" value="${RETURN}"`);
    expect(page).toContain(s.email);
    expect(await alive(s.browserAccessToken)).toBe(true);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1];
    const jar = { ...s.jar, warden_csrf: setCookies({ headers: ask.headers } as never).warden_csrf.value };

    const form = { client_id: rp, post_logout_redirect_uri: RETURN, state: 's1', _csrf: csrf };
    const post = (headers: Record<string, string>, body: Record<string, string>) =>
      fetch(`${t.url}/oauth/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar), ...headers },
        body: new URLSearchParams(body),
      });
    expect((await post({ origin: 'https://evil.example' }, form)).status).toBe(403);
    expect((await post({ origin: ISSUER }, { ...form, _csrf: 'forged' })).status).toBe(403);
    const { _csrf: _dropped, ...withoutToken } = form;
    expect((await post({ origin: ISSUER }, withoutToken)).status).toBe(403);
    expect(await alive(s.browserAccessToken)).toBe(true);

    const confirmed = await post({ origin: ISSUER }, form);
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe(`${RETURN}?state=s1`);
    expect(confirmed.headers.getSetCookie().join('\n')).toMatch(/access_token=;/);
    expect(await alive(s.browserAccessToken)).toBe(false);
    // The password-grant session had no part in this browser session.
    expect(await alive(s.accessToken)).toBe(true);
  });

  it('shows the signed-out page to a browser without a session', async () => {
    const res = await logout({});
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/You are signed out/);
  });
});
