import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { enableMfa, mailWithSubject, totpCode } from './support/mfa.js';
import { accountPost, locationOf, signInOnPage, textOf } from './support/account-page.js';
import { PageBrowser } from './support/pages.js';
import { PASSKEY_ORIGIN, registerPasskey } from './support/passkeys.js';
import { clearRedisLimits } from './support/redis.js';
import { linesWithSecrets, mailEnv, SmtpSink } from './support/smtp-sink.js';
import { SoftAuthenticator } from './support/webauthn-authenticator.js';

const STEP_UP = '/login?prompt=login&return_to=%2Faccount';

function secretOf(html: string): string {
  const match = /id="totp-secret"[^>]*>([A-Z2-7]+)</.exec(html);
  if (!match) throw new Error('no TOTP secret on the page');
  return match[1];
}

function factorIdOf(html: string): string {
  const match = /name="factor_id" value="([0-9a-f-]{36})"/.exec(html);
  if (!match) throw new Error('no factor_id on the page');
  return match[1];
}

function recoveryCodesOf(html: string): string[] {
  return [...html.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]);
}

describe('/account over HTTP: two-factor, step-up, passkeys', () => {
  let t: TestApp;
  let http: Client;
  let sink: SmtpSink;
  let n = 0;
  const secrets: string[] = [];

  async function signedIn(prefix = 'sec') {
    const email = `${prefix}${++n}@example.com`;
    const { user, tokens } = await registerAndLogin(http, email);
    const browser = new PageBrowser(t.url);
    await signInOnPage(browser, email, PASSWORD);
    return { email, user: user as { id: string }, browser, token: tokens.access_token };
  }

  const one = async (sql: string, params: unknown[]) => (await t.dataSource.query(sql, params))[0];

  /** Starts an enrolment on the page; answers the page, its secret and factor id. */
  async function startEnrolment(browser: PageBrowser, name = 'Phone') {
    const res = await accountPost(browser, '/account/mfa/totp', { name });
    expect(res.status).toBe(200);
    const secret = secretOf(res.text);
    secrets.push(secret);
    return { res, secret, factorId: factorIdOf(res.text) };
  }

  beforeAll(async () => {
    await resetDatabase();
    await clearRedisLimits();
    sink = await SmtpSink.start();
    t = await startApp(mailEnv(sink));
    http = client(t.url);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  describe('two-factor enrolment', () => {
    it('shows the QR code (an image data URL) and the secret, then turns MFA on with a code and shows 10 recovery codes once', async () => {
      const { email, user, browser } = await signedIn();
      const { res, secret, factorId } = await startEnrolment(browser);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.text).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
      expect(await one('SELECT confirmed_at FROM mfa_factors WHERE id = $1', [factorId])).toEqual({
        confirmed_at: null,
      });

      const confirmed = await accountPost(browser, '/account/mfa/totp/confirm', {
        factor_id: factorId,
        code: totpCode(secret),
      });
      expect(confirmed.status).toBe(200);
      const codes = recoveryCodesOf(confirmed.text);
      expect(codes).toHaveLength(10);
      secrets.push(...codes);
      expect(textOf(confirmed.text)).toContain('Two-factor authentication is on.');
      expect(await one('SELECT mfa_enabled FROM users WHERE id = $1', [user.id])).toEqual({ mfa_enabled: true });
      // The confirming browser session proved the factor: it stands at aal2.
      const session = await one('SELECT acr FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1', [
        user.id,
      ]);
      expect(session.acr).toBe('aal2');
      await mailWithSubject(sink, email, 'Two-factor authentication is on for your Warden account');

      const later = await browser.get('/account');
      expect(recoveryCodesOf(later.text)).toEqual([]);
      expect(textOf(later.text)).toContain('Recovery codes left: 10 of 10.');
      expect(textOf(later.text)).toContain('Two-factor authentication turned on');
    });

    it('answers a wrong code with 400 and the confirmation form again; the factor stays unconfirmed', async () => {
      const { user, browser } = await signedIn();
      const { secret, factorId } = await startEnrolment(browser);
      const wrong = totpCode(secret) === '000000' ? '111111' : '000000';
      const res = await accountPost(browser, '/account/mfa/totp/confirm', { factor_id: factorId, code: wrong });
      expect(res.status).toBe(400);
      expect(textOf(res.text)).toContain('Invalid code');
      expect(factorIdOf(res.text)).toBe(factorId);
      // The secret is not shown a second time.
      expect(res.text).not.toContain(secret);
      expect(await one('SELECT failed_attempts, confirmed_at FROM mfa_factors WHERE id = $1', [factorId])).toEqual({
        failed_attempts: 1,
        confirmed_at: null,
      });
      expect(await one('SELECT mfa_enabled FROM users WHERE id = $1', [user.id])).toEqual({ mfa_enabled: false });
      const malformed = await accountPost(browser, '/account/mfa/totp/confirm', { factor_id: 'nope', code: '123456' });
      expect(malformed.status).toBe(400);
      const unknown = await accountPost(browser, '/account/mfa/totp/confirm', {
        factor_id: '00000000-0000-4000-8000-000000000000',
        code: totpCode(secret),
      });
      expect(unknown.status).toBe(404);
      expect(textOf(unknown.text)).toContain('No enrolment in progress');
    });

    it('regenerates the recovery codes (the old ones die) and turns MFA off by removing the factor', async () => {
      const { email, user, browser } = await signedIn();
      const { secret, factorId } = await startEnrolment(browser);
      const first = await accountPost(browser, '/account/mfa/totp/confirm', {
        factor_id: factorId,
        code: totpCode(secret),
      });
      const oldCodes = recoveryCodesOf(first.text);
      const again = await accountPost(browser, '/account/mfa/recovery-codes');
      expect(again.status).toBe(200);
      const newCodes = recoveryCodesOf(again.text);
      expect(newCodes).toHaveLength(10);
      expect(newCodes.some((c) => oldCodes.includes(c))).toBe(false);
      secrets.push(...oldCodes, ...newCodes);
      expect(await one('SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1', [user.id])).toEqual({
        n: 10,
      });

      const removed = await accountPost(browser, `/account/mfa/factors/${factorId}/delete`);
      expect(removed.status).toBe(303);
      expect(locationOf(removed)).toBe('/account');
      expect(await one('SELECT mfa_enabled FROM users WHERE id = $1', [user.id])).toEqual({ mfa_enabled: false });
      expect(await one('SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1', [user.id])).toEqual({
        n: 0,
      });
      expect(textOf((await browser.get('/account')).text)).toContain('Two-factor authentication is off.');
      await mailWithSubject(sink, email, 'Two-factor authentication is off for your Warden account');
    });

    it('refuses new recovery codes while MFA is off (409), a malformed factor id and a too long name (400)', async () => {
      const { user, browser } = await signedIn();
      const res = await accountPost(browser, '/account/mfa/recovery-codes');
      expect(res.status).toBe(409);
      expect(textOf(res.text)).toContain('Two-factor authentication is off');
      expect((await accountPost(browser, '/account/mfa/factors/xyz/delete')).status).toBe(400);
      const longName = await accountPost(browser, '/account/mfa/totp', { name: 'n'.repeat(65) });
      expect(longName.status).toBe(400);
      expect(textOf(longName.text)).toContain('name must be shorter than or equal to 64 characters');
      expect(await one('SELECT count(*)::int AS n FROM mfa_factors WHERE user_id = $1', [user.id])).toEqual({ n: 0 });
    });

    it("answers 404 for another user's factor and removes nothing", async () => {
      const owner = await signedIn();
      const { factorId } = await enableMfa(http, owner.token);
      const { browser } = await signedIn();
      const res = await accountPost(browser, `/account/mfa/factors/${factorId}/delete`);
      expect(res.status).toBe(404);
      expect(textOf(res.text)).toContain('Factor not found');
      expect(await one('SELECT count(*)::int AS n FROM mfa_factors WHERE id = $1', [factorId])).toEqual({ n: 1 });
    });
  });

  describe('step-up', () => {
    it('sends an aal1 session of a user with MFA on through a fresh sign-in before any sensitive change; nothing changes', async () => {
      const { email, user, browser, token } = await signedIn();
      // MFA turned on from another session: this browser's session stays at aal1.
      const { factorId } = await enableMfa(http, token);
      const page = await browser.get('/account');
      expect(textOf(page.text)).toContain("Confirm it's you.");
      expect(page.text).toContain(`href="${STEP_UP.replace(/&/g, '&amp;')}"`);
      const before = await one('SELECT password_hash, email FROM users WHERE id = $1', [user.id]);
      const attempts = [
        ['/account/password', { username: email, current_password: PASSWORD, new_password: 'a brand new passphrase' }],
        ['/account/email', { new_email: `x-${email}`, password: PASSWORD }],
        ['/account/mfa/totp', { name: 'second' }],
        ['/account/mfa/recovery-codes', {}],
        [`/account/mfa/factors/${factorId}/delete`, {}],
      ] as const;
      for (const [action, fields] of attempts) {
        const res = await accountPost(browser, action, { ...fields });
        expect([action, res.status, locationOf(res)]).toEqual([action, 303, STEP_UP]);
      }
      expect(await one('SELECT password_hash, email FROM users WHERE id = $1', [user.id])).toEqual(before);
      expect(await one('SELECT count(*)::int AS n FROM mfa_factors WHERE user_id = $1', [user.id])).toEqual({ n: 1 });
      // Profile and sessions need no step-up, as in the API.
      expect((await accountPost(browser, '/account/profile', { display_name: 'Fine', username: '' })).status).toBe(303);
    });

    it('comes back from the step-up (sign-in form, then the TOTP step) at aal2, and the change then goes through', async () => {
      const { email, user, browser, token } = await signedIn();
      const { secret } = await enableMfa(http, token);
      const fields = { username: email, current_password: PASSWORD, new_password: 'a brand new passphrase' };
      const refused = await accountPost(browser, '/account/password', fields);
      expect(locationOf(refused)).toBe(STEP_UP);

      const form = await browser.get(STEP_UP);
      expect(form.status).toBe(200);
      const signedInAgain = await browser.post('/login', {
        username: email,
        password: PASSWORD,
        return_to: '/account',
      });
      expect(signedInAgain.status).toBe(303);
      const mfaStep = locationOf(signedInAgain)!;
      expect(mfaStep).toBe('/mfa?return_to=%2Faccount');
      expect((await browser.get(mfaStep)).status).toBe(200);
      // The next time step: the enrolment already spent the current one.
      const back = await browser.post('/mfa', { otp: totpCode(secret, 1), return_to: '/account' });
      expect([back.status, locationOf(back)]).toEqual([303, '/account']);
      const page = await browser.get('/account');
      expect(textOf(page.text)).not.toContain("Confirm it's you.");

      const changed = await accountPost(browser, '/account/password', fields);
      expect([changed.status, locationOf(changed)]).toEqual([303, '/account']);
      const session = await one(
        'SELECT acr FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1',
        [user.id],
      );
      expect(session.acr).toBe('aal2');
      await mailWithSubject(sink, email, 'Your Warden password was changed');
    });
  });

  describe('passkeys', () => {
    it('lists, renames and deletes a passkey; audited; another user cannot touch it', async () => {
      const { user, browser, token } = await signedIn();
      const registered = await registerPasskey(http, token, new SoftAuthenticator(PASSKEY_ORIGIN), { name: 'Laptop' });
      expect(registered.status).toBe(201);
      const id = registered.body.id as string;
      const page = await browser.get('/account');
      expect(textOf(page.text)).toContain('Laptop');
      expect(page.text).toContain('id="passkey-add"');
      expect(page.text).toMatch(/<script src="\/assets\/account-passkey\.js"/);

      const stranger = await signedIn();
      expect((await accountPost(stranger.browser, `/account/passkeys/${id}/rename`, { name: 'Mine now' })).status).toBe(
        404,
      );
      expect((await accountPost(stranger.browser, `/account/passkeys/${id}/delete`)).status).toBe(404);

      const tooLong = await accountPost(browser, `/account/passkeys/${id}/rename`, { name: 'x'.repeat(65) });
      expect(tooLong.status).toBe(400);
      expect(textOf(tooLong.text)).toContain('name must be shorter than or equal to 64 characters');
      const renamed = await accountPost(browser, `/account/passkeys/${id}/rename`, { name: 'Work laptop' });
      expect(renamed.status).toBe(303);
      expect(await one('SELECT name FROM passkeys WHERE id = $1', [id])).toEqual({ name: 'Work laptop' });
      expect(textOf((await browser.get('/account')).text)).toContain('The passkey was renamed.');

      const deleted = await accountPost(browser, `/account/passkeys/${id}/delete`);
      expect(deleted.status).toBe(303);
      expect(await one('SELECT count(*)::int AS n FROM passkeys WHERE user_id = $1', [user.id])).toEqual({ n: 0 });
      expect(
        await one("SELECT count(*)::int AS n FROM auth_events WHERE user_id = $1 AND type = 'passkey_removed'", [
          user.id,
        ]),
      ).toEqual({ n: 1 });
      const text = textOf((await browser.get('/account')).text);
      expect(text).toContain('Passkey removed');
      expect(text).toContain('Passkey added');
    });

    it('asks an aal1 session of a user with MFA on to step up before renaming or deleting a passkey', async () => {
      const { user, browser, token } = await signedIn();
      const registered = await registerPasskey(http, token, new SoftAuthenticator(PASSKEY_ORIGIN), { name: 'Key' });
      await enableMfa(http, token);
      const id = registered.body.id as string;
      for (const action of [`/account/passkeys/${id}/rename`, `/account/passkeys/${id}/delete`]) {
        const res = await accountPost(browser, action, { name: 'Changed' });
        expect(res.status).toBe(303);
        expect(locationOf(res)).toBe(STEP_UP);
      }
      expect(await one('SELECT name FROM passkeys WHERE user_id = $1', [user.id])).toEqual({ name: 'Key' });
    });
  });

  it('never writes a TOTP secret or recovery code to the log', () => {
    expect(secrets.length).toBeGreaterThan(10);
    expect(linesWithSecrets(t.logs, secrets)).toEqual([]);
  });
});
