import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AuditService } from '../src/audit/audit.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { inPage, PasskeyTestOrigin, VirtualAuthenticator } from './support/browser-passkeys.js';
import { launchChromium } from './support/chromium.js';
import { client } from './support/http.js';
import { mailWithSubject } from './support/mfa.js';
import { mailEnv, SmtpSink } from './support/smtp-sink.js';

const EMAIL = 'passkey-browser@example.com';
const PASSKEY_ADDED = 'A passkey was added to your Warden account';

/** The CDP's standard base64 as the base64url WebAuthn JSON and Warden's rows use. */
const base64url = (standard: string) => Buffer.from(standard, 'base64').toString('base64url');

describe('passkeys in Chromium with the DevTools virtual authenticator', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let origin: PasskeyTestOrigin;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let authenticator: VirtualAuthenticator;
  let userId: string;

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    origin = await PasskeyTestOrigin.start();
    t = await startApp({
      ...mailEnv(sink),
      APP_URL: origin.origin,
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: origin.origin,
    });
    origin.forwardTo(t.url);
    const registered = await client(t.url).post('/auth/register', { json: { email: EMAIL, password: PASSWORD } });
    expect(registered.status).toBe(201);
    userId = registered.body.id;
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    authenticator = await VirtualAuthenticator.attach(page);
    await page.goto(origin.pageUrl);
  }, 120000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await origin?.stop();
    await sink?.stop();
  });

  // The refresh cookie is Path=/auth: ask for the cookies of both paths.
  const cookie = async (name: string) =>
    (await context.cookies([origin.origin, `${origin.origin}/auth/refresh`])).find((c) => c.name === name);
  const sessionOf = async (sid: string) =>
    (await t.dataSource.query('SELECT acr, amr, revoked_at FROM sessions WHERE id = $1', [sid]))[0];
  const passkeyRow = async () =>
    (
      await t.dataSource.query(
        'SELECT id, credential_id, sign_count::int AS sign_count, device_type, backed_up, name, last_used_at FROM passkeys WHERE user_id = $1',
        [userId],
      )
    )[0];
  const events = async () => {
    await t.app.get(AuditService).flush();
    return t.dataSource.query<Array<{ type: string; details: Record<string, unknown> }>>(
      'SELECT type, details FROM auth_events WHERE user_id = $1 ORDER BY created_at, id',
      [userId],
    );
  };
  const signOut = async () => {
    expect((await inPage.fetchJson(page, 'POST', '/auth/logout')).status).toBe(204);
    expect(await cookie('access_token')).toBeUndefined();
    expect(await cookie('refresh_token')).toBeUndefined();
    expect((await inPage.fetchJson(page, 'GET', '/users/me')).status).toBe(401);
  };

  it('registers a passkey in a password session: 201, the row, the notice mail, passkey_added', async () => {
    const login = await inPage.passwordLogin(page, EMAIL, PASSWORD);
    expect(login.status).toBe(200);
    expect(login.body.user.email).toBe(EMAIL);
    const passwordAccess = await cookie('access_token');
    expect(passwordAccess).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(decodeJwt(passwordAccess!.value)).toMatchObject({ acr: 'aal1', amr: ['pwd'] });

    const res = await inPage.registerPasskey(page, 'Chromium virtual authenticator');
    expect(res.optionsStatus).toBe(200);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Chromium virtual authenticator',
      created_at: expect.stringMatching(/Z$/),
      last_used_at: null,
      backed_up: true,
      transports: ['internal'],
    });

    // The browser made a discoverable credential for RP ID localhost, under Warden's random user handle.
    const [held] = await authenticator.credentials();
    expect(held).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    const [handle] = await t.dataSource.query('SELECT handle FROM passkey_user_handles WHERE user_id = $1', [userId]);
    expect(base64url(held.userHandle)).toBe(handle.handle);
    expect(await passkeyRow()).toEqual({
      id: res.body.id,
      credential_id: base64url(held.credentialId),
      sign_count: held.signCount,
      device_type: 'multiDevice',
      backed_up: true,
      name: 'Chromium virtual authenticator',
      last_used_at: null,
    });
    const mail = await mailWithSubject(sink, EMAIL, PASSKEY_ADDED);
    expect(mail.text).toContain('"Chromium virtual authenticator"');
    const listed = await inPage.fetchJson(page, 'GET', '/auth/events');
    expect(listed.body.items.map((e: { type: string }) => e.type)).toContain('passkey_added');
  });

  it('signs out, then signs in with the passkey alone (no email typed): cookies, /users/me, an aal2 session', async () => {
    await signOut();
    const before = (await passkeyRow()).sign_count;

    const res = await inPage.cookiePasskeyLogin(page);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: expect.objectContaining({ id: userId, email: EMAIL }), expires_in: 900 });
    const access = await cookie('access_token');
    expect(access).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await cookie('refresh_token')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth' });
    const claims = decodeJwt(access!.value);
    expect(claims).toMatchObject({ sub: userId, acr: 'aal2', amr: ['hwk', 'user'] });
    expect(await sessionOf(claims.sid as string)).toEqual({ acr: 'aal2', amr: ['hwk', 'user'], revoked_at: null });

    const me = await inPage.fetchJson(page, 'GET', '/users/me');
    expect(me).toEqual({ status: 200, body: expect.objectContaining({ id: userId, email: EMAIL }) });

    // The counter the authenticator signed is the one Warden kept, and it grew.
    const [held] = await authenticator.credentials();
    const row = await passkeyRow();
    expect(row.sign_count).toBe(held.signCount);
    expect(row.sign_count).toBeGreaterThan(before);
    expect(row.last_used_at).not.toBeNull();
    expect(row.backed_up).toBe(true);
    const logins = (await events()).filter((e) => e.type === 'login_success');
    expect(logins.at(-1)!.details).toMatchObject({ via: 'cookie' });
  });

  it('signs in with the bearer passkey grant from the page: a token response and /users/me, no cookie', async () => {
    await signOut();
    const before = (await passkeyRow()).sign_count;

    const res = await inPage.grantPasskeyLogin(page);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
      scope: 'profile',
    });
    expect(res.me).toEqual({ status: 200, body: expect.objectContaining({ id: userId, email: EMAIL }) });
    expect(await cookie('access_token')).toBeUndefined();
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ sub: userId, acr: 'aal2', amr: ['hwk', 'user'] });
    expect(await sessionOf(claims.sid as string)).toEqual({ acr: 'aal2', amr: ['hwk', 'user'], revoked_at: null });
    const row = await passkeyRow();
    expect(row.sign_count).toBe((await authenticator.credentials())[0].signCount);
    expect(row.sign_count).toBeGreaterThan(before);
    const types = (await events()).map((e) => e.type);
    expect(types.filter((type) => type === 'login_success')).toHaveLength(3);
    expect(types).not.toContain('login_failure');
    expect(sink.to(EMAIL).filter((m) => m.subject === PASSKEY_ADDED)).toHaveLength(1);
  });

  it('refuses the passkey once it was removed on the server, though the browser still holds it', async () => {
    const tokens = await client(t.url).post('/auth/token', {
      form: { grant_type: 'password', username: EMAIL, password: PASSWORD },
    });
    const { id } = await passkeyRow();
    expect((await client(t.url).delete(`/auth/passkeys/${id}`, { token: tokens.body.access_token })).status).toBe(204);
    expect(await authenticator.credentials()).toHaveLength(1);
    const sessionsBefore = await t.dataSource.query('SELECT id FROM sessions WHERE user_id = $1', [userId]);

    const cookieLogin = await inPage.cookiePasskeyLogin(page);
    expect(cookieLogin.status).toBe(401);
    expect(cookieLogin.body.message).toBe('The passkey could not be verified');
    expect(await cookie('access_token')).toBeUndefined();
    expect(await cookie('refresh_token')).toBeUndefined();
    const grant = await inPage.grantPasskeyLogin(page);
    expect(grant.status).toBe(400);
    expect(grant.body).toEqual({ error: 'invalid_grant', error_description: 'The passkey could not be verified' });
    expect(await t.dataSource.query('SELECT id FROM sessions WHERE user_id = $1', [userId])).toEqual(sessionsBefore);
    const audited = await events();
    expect(audited.map((e) => e.type)).toContain('passkey_removed');
    // The credential no longer names a user: the failures are audited without one.
    const failures = await t.dataSource.query(
      `SELECT user_id, details FROM auth_events WHERE type = 'login_failure' ORDER BY created_at`,
    );
    expect(failures).toEqual([
      { user_id: null, details: { reason: 'unknown_passkey', method: 'passkey' } },
      { user_id: null, details: { reason: 'unknown_passkey', method: 'passkey' } },
    ]);
  });
});
