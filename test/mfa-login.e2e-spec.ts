import { AuditService } from '../src/audit/audit.service.js';
import { decodeJwt } from 'jose';
import { createHash } from 'node:crypto';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { totpCode } from './support/mfa.js';
import { otpGrant, passwordGrant, recoveryGrant, registerWithMfa, wrongCode } from './support/mfa-login.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const validCodes = (secret: string) => [-1, 0, 1].map((offset) => totpCode(secret, offset));

describe('password grant of a user with MFA on, then the second step', () => {
  let t: TestApp;
  let http: Client;
  let n = 0;
  const email = () => `mfa-login${++n}@example.com`;
  const sessionsOf = async (userId: string) =>
    (
      await t.dataSource.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [
        userId,
      ])
    )[0].n;
  const mfaToken = async (address: string, scope?: string) => {
    const res = await passwordGrant(http, address, PASSWORD, scope);
    expect(res.status).toBe(400);
    return res.body.mfa_token as string;
  };

  beforeAll(async () => {
    await resetDatabase();
    // The back-off of wrong codes has its own describe below.
    t = await startApp({ LOGIN_MAX_FAILURES: '50' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('answers the right password with 400 mfa_required and an mfa_token stored only hashed, and no session', async () => {
    const user = await registerWithMfa(t, http, email());
    const res = await passwordGrant(http, user.email);
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      error: 'mfa_required',
      error_description: expect.any(String),
      mfa_token: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
      mfa_methods: ['totp', 'recovery_code'],
    });
    expect(await sessionsOf(user.userId)).toBe(0);
    const rows = await t.dataSource.query<Array<{ token_hash: string; flow: string; user_id: string }>>(
      'SELECT token_hash, flow, user_id FROM mfa_challenges WHERE user_id = $1',
      [user.userId],
    );
    expect(rows).toEqual([{ token_hash: sha256(res.body.mfa_token), flow: 'token', user_id: user.userId }]);
    expect(JSON.stringify(await t.dataSource.query('SELECT * FROM mfa_challenges'))).not.toContain(res.body.mfa_token);
  });

  it('turns the mfa_token and a TOTP code into a new aal2 session with the scope asked in the first step', async () => {
    const user = await registerWithMfa(t, http, email());
    await t.dataSource.query(`UPDATE users SET roles = '{user,admin}' WHERE id = $1`, [user.userId]);
    const token = await mfaToken(user.email, 'users:read');
    const res = await otpGrant(http, token, totpCode(user.secret));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
      scope: 'users:read',
    });
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ sub: user.userId, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], scope: 'users:read' });
    const [session] = await t.dataSource.query('SELECT acr, amr, scope FROM sessions WHERE id = $1', [claims.sid]);
    expect(session).toEqual({ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], scope: 'users:read' });
    expect((await http.get('/users', { token: res.body.access_token })).status).toBe(200);
    const refreshed = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: res.body.refresh_token },
    });
    expect(decodeJwt(refreshed.body.access_token)).toMatchObject({ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
  });

  it('takes a recovery code instead (any case, hyphen optional): amr ["pwd","mfa"]; the code works once', async () => {
    const user = await registerWithMfa(t, http, email());
    const code = user.recoveryCodes[0];
    const res = await recoveryGrant(http, await mfaToken(user.email), code.toUpperCase().replace('-', ''));
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token)).toMatchObject({ acr: 'aal2', amr: ['pwd', 'mfa'] });
    const again = await recoveryGrant(http, await mfaToken(user.email), code);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: 'invalid_grant', error_description: 'The code is wrong or was already used' });
  });

  it('lets an mfa_token work once', async () => {
    const user = await registerWithMfa(t, http, email());
    const token = await mfaToken(user.email);
    expect((await otpGrant(http, token, totpCode(user.secret))).status).toBe(200);
    const reused = await recoveryGrant(http, token, user.recoveryCodes[1]);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    expect(await sessionsOf(user.userId)).toBe(1);
  });

  it('refuses a replay of an accepted TOTP code within its step, also with a new mfa_token', async () => {
    const user = await registerWithMfa(t, http, email());
    const code = totpCode(user.secret);
    expect((await otpGrant(http, await mfaToken(user.email), code)).status).toBe(200);
    const replay = await otpGrant(http, await mfaToken(user.email), code);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ error: 'invalid_grant', error_description: 'The code is wrong or was already used' });
    expect(await sessionsOf(user.userId)).toBe(1);
  });

  it('gives exactly one session when the same code races on one mfa_token, and on several', async () => {
    const user = await registerWithMfa(t, http, email());
    const code = totpCode(user.secret);
    const token = await mfaToken(user.email);
    const tokens = [token, token, token, await mfaToken(user.email), await mfaToken(user.email)];
    const results = await Promise.all(tokens.map((each) => otpGrant(http, each, code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(4);
    expect(await sessionsOf(user.userId)).toBe(1);
  });

  it('kills the mfa_token after 5 wrong codes: the right one is refused then', async () => {
    const user = await registerWithMfa(t, http, email());
    const token = await mfaToken(user.email);
    const wrong = wrongCode(validCodes(user.secret));
    for (let i = 0; i < 5; i += 1) {
      const res = await otpGrant(http, token, wrong);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'The code is wrong or was already used' });
    }
    const right = await otpGrant(http, token, totpCode(user.secret));
    expect(right.status).toBe(400);
    expect(right.body.error).toBe('invalid_grant');
    expect(right.body.error_description).toMatch(/mfa_token/);
    expect(await sessionsOf(user.userId)).toBe(0);
    await t.app.get(AuditService).flush();
    const failed = await t.dataSource.query<Array<{ details: Record<string, unknown> }>>(
      `SELECT details FROM auth_events WHERE user_id = $1 AND type = 'mfa_failed'`,
      [user.userId],
    );
    expect(failed).toHaveLength(5);
    expect(failed[0].details).toEqual({ method: 'totp', via: 'token' });
    // A fresh mfa_token still works: the account is not locked by a dead token.
    expect((await otpGrant(http, await mfaToken(user.email), totpCode(user.secret))).status).toBe(200);
  });

  it('refuses an expired mfa_token, and one whose password changed since the first step', async () => {
    const user = await registerWithMfa(t, http, email());
    const expired = await mfaToken(user.email);
    await t.dataSource.query(
      `UPDATE mfa_challenges SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
      [sha256(expired)],
    );
    expect((await otpGrant(http, expired, totpCode(user.secret))).body.error).toBe('invalid_grant');
    const stale = await mfaToken(user.email);
    await t.dataSource.query(`UPDATE users SET password_hash = 'x' || password_hash WHERE id = $1`, [user.userId]);
    expect((await otpGrant(http, stale, totpCode(user.secret))).body.error).toBe('invalid_grant');
    expect(await sessionsOf(user.userId)).toBe(0);
  });

  it('answers a wrong password of an MFA user exactly as for any other account', async () => {
    const withMfa = await registerWithMfa(t, http, email());
    const plain = email();
    await http.post('/auth/register', { json: { email: plain, password: PASSWORD } });
    const answers = await Promise.all(
      [withMfa.email, plain, `nobody${n}@example.com`].map((username) =>
        passwordGrant(http, username, 'wrong password 123'),
      ),
    );
    for (const res of answers) {
      expect(res.status).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(res.body).toEqual(answers[1].body);
    }
    expect(answers[0].body).toEqual({ error: 'invalid_grant', error_description: 'Invalid email or password' });
    expect(await t.dataSource.query('SELECT 1 FROM mfa_challenges WHERE user_id = $1', [withMfa.userId])).toEqual([]);
  });

  it('checks the second-step parameters like any grant', async () => {
    const missing = await http.post('/auth/token', {
      form: { grant_type: 'urn:warden:params:oauth:grant-type:mfa-otp', mfa_token: 'x' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'Missing parameter: otp' });
    const unknown = await otpGrant(http, 'not-a-token', '123456');
    expect(unknown.body.error).toBe('invalid_grant');
  });

  it('lists both grant types in the RFC 8414 metadata', async () => {
    const res = await http.get('/.well-known/oauth-authorization-server');
    expect(res.body.grant_types_supported).toEqual([
      'password',
      'refresh_token',
      'urn:warden:params:oauth:grant-type:mfa-otp',
      'urn:warden:params:oauth:grant-type:mfa-recovery-code',
      'urn:warden:params:oauth:grant-type:passkey',
      'urn:warden:params:oauth:grant-type:mfa-passkey',
      'authorization_code',
      'client_credentials',
    ]);
  });

  it('writes no code, secret or mfa_token to the log, the audit rows or an error body', async () => {
    const user = await registerWithMfa(t, http, email());
    const token = await mfaToken(user.email);
    const wrong = wrongCode(validCodes(user.secret));
    const bodies = [(await otpGrant(http, token, wrong)).text, (await recoveryGrant(http, token, 'aaaaa-bbbbb')).text];
    const code = totpCode(user.secret);
    expect((await otpGrant(http, token, code)).status).toBe(200);
    const recovered = await recoveryGrant(http, await mfaToken(user.email), user.recoveryCodes[2]);
    expect(recovered.status).toBe(200);
    const audit = JSON.stringify(
      await t.dataSource.query('SELECT * FROM auth_events WHERE user_id = $1', [user.userId]),
    );
    const logs = t.logs.join('\n');
    const secrets = [token, code, wrong, user.secret, user.recoveryCodes[2], user.recoveryCodes[2].replace('-', '')];
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      expect(audit).not.toContain(secret);
      for (const body of bodies) expect(body).not.toContain(secret);
    }
  });
});

describe('wrong second-factor codes in the login back-off', () => {
  let t: TestApp;
  let http: Client;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ LOGIN_MAX_FAILURES: '3' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('counts each wrong code as a failed login: the right password and code wait too, new mfa_tokens do not reset it', async () => {
    const user = await registerWithMfa(t, http, 'backoff-mfa@example.com');
    const wrong = wrongCode(validCodes(user.secret));
    for (let i = 0; i < 3; i += 1) {
      const first = await passwordGrant(http, user.email);
      expect(first.body.error).toBe('mfa_required');
      expect((await otpGrant(http, first.body.mfa_token, wrong)).body.error).toBe('invalid_grant');
    }
    const locked = await passwordGrant(http, user.email);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(locked.body.error).toBe('too_many_requests');
    await t.app.get(AuditService).flush();
    const events = await t.dataSource.query<Array<{ type: string }>>(
      `SELECT type FROM auth_events WHERE user_id = $1 AND type IN ('mfa_failed', 'login_locked') ORDER BY created_at`,
      [user.userId],
    );
    expect(events.map((e) => e.type)).toEqual(['mfa_failed', 'mfa_failed', 'mfa_failed', 'login_locked']);
  });
});
