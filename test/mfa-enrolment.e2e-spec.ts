import { URI } from 'otpauth';
import { MfaCrypto } from '../src/mfa/mfa-crypto.service.js';
import { MfaService } from '../src/mfa/mfa.service.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { PASSWORD } from './support/accounts.js';
import { cookieHeader, setCookies } from './support/cookies.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { enableMfa, mailWithSubject, rowsOf, totpCode } from './support/mfa.js';
import { linesWithSecrets, mailEnv, sleep, SmtpSink } from './support/smtp-sink.js';

const ON = 'Two-factor authentication is on for your Warden account';
const OFF = 'Two-factor authentication is off for your Warden account';
const APP = 'http://localhost:3000';

describe('MFA enrolment, listing, deletion and recovery codes (/auth/mfa)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let http: Client;
  const secrets: string[] = [];

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    t = await startApp(mailEnv(sink, { MFA_ISSUER: 'Acme Auth' }));
    http = client(t.url);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  async function signedIn(email: string): Promise<{ token: string; userId: string }> {
    const { user, tokens } = await registerAndLogin(http, email);
    return { token: tokens.access_token, userId: user.id as string };
  }

  const events = async (userId: string): Promise<Array<{ type: string; details: Record<string, unknown> }>> =>
    t.dataSource.query(
      `SELECT type, details FROM auth_events WHERE user_id = $1 AND type LIKE ANY('{mfa%,recovery%}') ORDER BY created_at, id`,
      [userId],
    );

  it('starts an enrolment: 201 with the secret, the otpauth URI and an SVG QR code; nothing is on yet', async () => {
    const { token, userId } = await signedIn('Enrol+1@Example.com');
    const res = await http.post('/auth/mfa/totp', { token, json: { name: 'Phone' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['factor_id', 'otpauth_uri', 'qr_code', 'secret']);
    const { factor_id: factorId, secret, otpauth_uri: uri, qr_code: qr } = res.body;
    secrets.push(secret);
    expect(factorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toBe(
      `otpauth://totp/Acme%20Auth:enrol%2B1%40example.com?secret=${secret}&issuer=Acme%20Auth&algorithm=SHA1&digits=6&period=30`,
    );
    expect(URI.parse(uri).label).toBe('enrol+1@example.com');
    expect(qr).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(qr.split(',')[1], 'base64').toString()).toContain('<svg');

    const [row] = await t.dataSource.query('SELECT * FROM mfa_factors WHERE id = $1', [factorId]);
    expect(row).toMatchObject({ user_id: userId, type: 'totp', name: 'Phone', confirmed_at: null, failed_attempts: 0 });
    expect(row.secret_ciphertext).not.toContain(secret);
    expect(t.app.get(MfaCrypto).openSecret(row.secret_ciphertext)).toBe(secret);

    const status = await http.get('/auth/mfa', { token });
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ enabled: false, factors: [], recovery_codes_remaining: 0 });
    expect((await http.get('/users/me', { token })).body.mfa_enabled).toBe(false);
  });

  it('confirms with a code: MFA on, 10 recovery codes once, a notice mail and an mfa_enabled event', async () => {
    const { token, userId } = await signedIn('confirm@example.com');
    const started = await http.post('/auth/mfa/totp', { token, json: {} });
    const { factor_id: factorId, secret } = started.body;
    secrets.push(secret);

    const wrongCode = totpCode(secret, 5);
    const wrong = await http.post('/auth/mfa/totp/confirm', { token, json: { factor_id: factorId, code: wrongCode } });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ statusCode: 400, message: 'Invalid code' });
    expect(await rowsOf(t.dataSource, 'mfa_factors', userId, 'failed_attempts = 1')).toBe(1);
    expect((await http.get('/users/me', { token })).body.mfa_enabled).toBe(false);

    const code = totpCode(secret);
    const res = await http.post('/auth/mfa/totp/confirm', { token, json: { factor_id: factorId, code } });
    expect(res.status).toBe(200);
    expect(res.body.factor).toEqual({
      id: factorId,
      type: 'totp',
      name: null,
      created_at: expect.stringMatching(/Z$/),
      last_used_at: null,
    });
    const codes: string[] = res.body.recovery_codes;
    secrets.push(...codes);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
    expect(await rowsOf(t.dataSource, 'mfa_recovery_codes', userId, 'used_at IS NULL')).toBe(10);

    expect((await http.get('/users/me', { token })).body.mfa_enabled).toBe(true);
    expect((await http.get('/auth/mfa', { token })).body).toEqual({
      enabled: true,
      factors: [res.body.factor],
      recovery_codes_remaining: 10,
    });
    const mail = await mailWithSubject(sink, 'confirm@example.com', ON);
    expect(mail.text).toContain('Two-factor authentication was turned on');
    expect(await events(userId)).toEqual([{ type: 'mfa_enabled', details: { factor_id: factorId } }]);
    // The confirming code is spent: it cannot sign in afterwards.
    expect(await t.app.get(MfaService).verifyOtp(userId, code)).toBe(false);

    const again = await http.post('/auth/mfa/totp/confirm', { token, json: { factor_id: factorId, code } });
    expect(again.status).toBe(404);
  });

  it('a second factor (form body) is listed but returns recovery_codes null and sends no second notice', async () => {
    const { token, userId } = await signedIn('second@example.com');
    const first = await enableMfa(http, token);
    const started = await http.post('/auth/mfa/totp', { token, form: { name: ' Tablet ' } });
    expect(started.status).toBe(201);
    secrets.push(started.body.secret, first.secret);
    const confirmed = await http.post('/auth/mfa/totp/confirm', {
      token,
      form: { factor_id: started.body.factor_id, code: totpCode(started.body.secret) },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recovery_codes).toBeNull();
    expect(confirmed.body.factor.name).toBe('Tablet');
    const status = (await http.get('/auth/mfa', { token })).body;
    expect(status.factors.map((f: { id: string }) => f.id)).toEqual([first.factorId, started.body.factor_id]);
    expect(status.recovery_codes_remaining).toBe(10);
    await sleep(300);
    expect(sink.to('second@example.com').filter((m) => m.subject === ON)).toHaveLength(1);
    expect((await events(userId)).map((e) => e.type)).toEqual(['mfa_enabled']);
  });

  it('refuses bad input with 400 and changes nothing', async () => {
    const { token, userId } = await signedIn('bad-input@example.com');
    expect((await http.post('/auth/mfa/totp', { token, json: { name: 'x'.repeat(65) } })).status).toBe(400);
    expect((await http.post('/auth/mfa/totp', { token, json: { extra: 1 } })).status).toBe(400);
    expect(
      (await http.post('/auth/mfa/totp/confirm', { token, json: { factor_id: 'nope', code: '123456' } })).status,
    ).toBe(400);
    expect((await http.post('/auth/mfa/totp/confirm', { token, json: { code: '123456' } })).status).toBe(400);
    expect(await rowsOf(t.dataSource, 'mfa_factors', userId)).toBe(0);
    expect((await http.post('/auth/mfa/totp', { json: {} })).status).toBe(401);
    expect((await http.get('/auth/mfa')).status).toBe(401);
  });

  it('a new enrolment ends the unconfirmed one; 5 wrong codes and 10 minutes end one too', async () => {
    const { token, userId } = await signedIn('dying@example.com');
    const a = (await http.post('/auth/mfa/totp', { token, json: {} })).body;
    // No body at all is a plain start too.
    const b = (await http.post('/auth/mfa/totp', { token })).body;
    secrets.push(a.secret, b.secret);
    const superseded = await http.post('/auth/mfa/totp/confirm', {
      token,
      json: { factor_id: a.factor_id, code: totpCode(a.secret) },
    });
    expect(superseded.status).toBe(404);
    expect(superseded.body.message).toBe('No enrolment in progress with this factor_id');
    expect(await t.dataSource.query('SELECT id FROM mfa_factors WHERE user_id = $1', [userId])).toEqual([
      { id: b.factor_id },
    ]);

    const bad = totpCode(b.secret, 9);
    for (let i = 1; i <= 5; i++) {
      const res = await http.post('/auth/mfa/totp/confirm', { token, json: { factor_id: b.factor_id, code: bad } });
      expect({ i, status: res.status, message: res.body.message }).toEqual({ i, status: 400, message: 'Invalid code' });
    }
    const dead = await http.post('/auth/mfa/totp/confirm', {
      token,
      json: { factor_id: b.factor_id, code: totpCode(b.secret) },
    });
    expect(dead.status).toBe(404);
    expect(await rowsOf(t.dataSource, 'mfa_factors', userId)).toBe(0);

    const c = (await http.post('/auth/mfa/totp', { token, json: {} })).body;
    secrets.push(c.secret);
    await t.dataSource.query(`UPDATE mfa_factors SET created_at = now() - interval '601 seconds' WHERE id = $1`, [
      c.factor_id,
    ]);
    const expired = await http.post('/auth/mfa/totp/confirm', {
      token,
      json: { factor_id: c.factor_id, code: totpCode(c.secret) },
    });
    expect(expired.status).toBe(404);
    expect(await rowsOf(t.dataSource, 'mfa_factors', userId)).toBe(0);
    expect((await http.get('/users/me', { token })).body.mfa_enabled).toBe(false);
  });

  it("cannot confirm or delete another user's factor (404, nothing changes)", async () => {
    const owner = await signedIn('owner@example.com');
    const other = await signedIn('intruder@example.com');
    const pending = (await http.post('/auth/mfa/totp', { token: owner.token, json: {} })).body;
    secrets.push(pending.secret);
    const res = await http.post('/auth/mfa/totp/confirm', {
      token: other.token,
      json: { factor_id: pending.factor_id, code: totpCode(pending.secret) },
    });
    expect(res.status).toBe(404);
    const enabled = await enableMfa(http, owner.token);
    secrets.push(enabled.secret);
    const del = await http.delete(`/auth/mfa/factors/${enabled.factorId}`, { token: other.token });
    expect(del.status).toBe(404);
    expect(del.body.message).toBe('Factor not found');
    expect(await rowsOf(t.dataSource, 'mfa_factors', owner.userId)).toBe(1);
    expect((await http.delete('/auth/mfa/factors/not-a-uuid', { token: owner.token })).status).toBe(400);
  });

  it('deleting a factor keeps MFA on while one remains; deleting the last turns it off, codes and all', async () => {
    const { token, userId } = await signedIn('removing@example.com');
    const first = await enableMfa(http, token);
    const second = await enableMfa(http, token);
    secrets.push(first.secret, second.secret, ...(first.recoveryCodes ?? []));

    expect((await http.delete(`/auth/mfa/factors/${first.factorId}`, { token })).status).toBe(204);
    expect((await http.get('/auth/mfa', { token })).body).toMatchObject({
      enabled: true,
      recovery_codes_remaining: 10,
    });
    expect((await http.delete(`/auth/mfa/factors/${first.factorId}`, { token })).status).toBe(404);

    const last = await http.delete(`/auth/mfa/factors/${second.factorId}`, { token });
    expect(last.status).toBe(204);
    expect(last.text).toBe('');
    expect((await http.get('/auth/mfa', { token })).body).toEqual({
      enabled: false,
      factors: [],
      recovery_codes_remaining: 0,
    });
    expect((await http.get('/users/me', { token })).body.mfa_enabled).toBe(false);
    expect(await rowsOf(t.dataSource, 'mfa_recovery_codes', userId)).toBe(0);
    expect(await t.app.get(MfaService).useRecoveryCode(userId, first.recoveryCodes![0])).toBe(false);
    expect(await t.app.get(MfaService).methodsFor(userId)).toEqual([]);
    const mail = await mailWithSubject(sink, 'removing@example.com', OFF);
    expect(mail.text).toContain('The last authenticator of your Warden account was removed');
    expect(await events(userId)).toEqual([
      { type: 'mfa_enabled', details: { factor_id: first.factorId } },
      { type: 'mfa_disabled', details: { reason: 'last_factor_deleted' } },
    ]);
  });

  it('regenerates recovery codes: 10 new ones work, the old ones die; 409 while MFA is off', async () => {
    const { token, userId } = await signedIn('regenerate@example.com');
    expect((await http.post('/auth/mfa/recovery-codes', { token })).status).toBe(409);
    const { recoveryCodes, secret } = await enableMfa(http, token);
    secrets.push(secret, ...(recoveryCodes ?? []));
    const res = await http.post('/auth/mfa/recovery-codes', { token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['recovery_codes']);
    const fresh: string[] = res.body.recovery_codes;
    secrets.push(...fresh);
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => recoveryCodes!.includes(c))).toBe(false);
    const mfa = t.app.get(MfaService);
    expect(await mfa.useRecoveryCode(userId, recoveryCodes![0])).toBe(false);
    expect(await mfa.useRecoveryCode(userId, fresh[0].toUpperCase())).toBe(true);
    expect((await http.get('/auth/mfa', { token })).body.recovery_codes_remaining).toBe(9);
    // A form post (as an HTML form would send) works too, and replaces the codes again.
    const viaForm = await http.post('/auth/mfa/recovery-codes', { token, form: {} });
    expect(viaForm.status).toBe(200);
    secrets.push(...viaForm.body.recovery_codes);
    expect(await mfa.useRecoveryCode(userId, fresh[1])).toBe(false);
    expect((await http.get('/auth/mfa', { token })).body.recovery_codes_remaining).toBe(10);
    expect((await events(userId)).map((e) => e.type)).toEqual([
      'mfa_enabled',
      'recovery_codes_regenerated',
      'recovery_code_used',
      'recovery_codes_regenerated',
    ]);
  });

  it('works with the browser cookies (Origin checked) as with a bearer token', async () => {
    await http.post('/auth/register', { json: { email: 'cookie@example.com', password: PASSWORD } });
    const login = await http.post('/auth/login', {
      json: { email: 'cookie@example.com', password: PASSWORD },
      headers: { origin: APP },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.mfa_enabled).toBe(false);
    const cookie = cookieHeader({ access_token: setCookies(login).access_token.value });
    const foreign = await http.post('/auth/mfa/totp', {
      json: {},
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    const started = await http.post('/auth/mfa/totp', { json: {}, headers: { cookie, origin: APP } });
    expect(started.status).toBe(201);
    secrets.push(started.body.secret);
    const confirmed = await http.post('/auth/mfa/totp/confirm', {
      json: { factor_id: started.body.factor_id, code: totpCode(started.body.secret) },
      headers: { cookie, origin: APP },
    });
    expect(confirmed.status).toBe(200);
    secrets.push(...confirmed.body.recovery_codes);
    expect((await http.get('/auth/mfa', { headers: { cookie } })).body.enabled).toBe(true);
  });

  it('no secret or code appears in a log line, an audit row or a mail', async () => {
    expect(secrets.length).toBeGreaterThan(20);
    expect(linesWithSecrets(t.logs, secrets)).toEqual([]);
    const rows: Array<{ details: unknown }> = await t.dataSource.query('SELECT details FROM auth_events');
    const audit = JSON.stringify(rows);
    for (const secret of secrets) expect(audit).not.toContain(secret);
    for (const mail of sink.messages) for (const secret of secrets) expect(mail.raw).not.toContain(secret);
  });
});
