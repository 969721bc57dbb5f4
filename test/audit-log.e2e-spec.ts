import { decodeJwt } from 'jose';
import { AuditService } from '../src/audit/audit.service.js';
import { RetentionService } from '../src/retention/retention.service.js';
import { AUTH_EVENT_TYPES } from '../src/audit/auth-event.entity.js';
import { MfaService } from '../src/mfa/mfa.service.js';
import { login, PASSWORD, registerAdmin, type TokenSet } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { PASSKEY_ORIGIN, registerPasskey, signInWithPasskey } from './support/passkeys.js';
import { SoftAuthenticator } from './support/webauthn-authenticator.js';
import { enableMfa, totpCode } from './support/mfa.js';
import { passwordGrant, wrongCode } from './support/mfa-login.js';
import { codeIn, mailEnv, type ReceivedMail, sleep, SmtpSink } from './support/smtp-sink.js';
import { Browser, type Idp, providersEnv, startAndAuthorize, startIdp, throughProvider } from './support/federation.js';

const NEW_PASSWORD = 'a brand new passphrase';
const RESET_PASSWORD = 'the reset passphrase';
const WRONG = 'definitely wrong';
const UA = 'audit-test/1.0';

function resetTokenIn(mail: ReceivedMail): string {
  return /reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text)![1];
}

describe('audit log (auth_events)', () => {
  let sink: SmtpSink;
  let idp: Idp;
  let t: TestApp;
  let http: Client;
  let audit: AuditService;
  let aliceId: string;
  let adminId: string;
  let adminTokens: TokenSet;
  /** Every password, token and code this test handles: none may reach the audit log. */
  const secrets: string[] = [PASSWORD, NEW_PASSWORD, RESET_PASSWORD, WRONG];
  const keep = <T extends TokenSet>(tokens: T): T => {
    secrets.push(tokens.access_token, tokens.refresh_token);
    return tokens;
  };
  const events = async (userId: string | null) => {
    await audit.flush();
    return t.dataSource.query(
      `SELECT type, user_id, session_id, ip, user_agent, details FROM auth_events
        WHERE user_id ${userId ? '= $1' : 'IS NULL'} ORDER BY created_at, id`,
      userId ? [userId] : [],
    );
  };
  const withUa = { 'user-agent': UA };

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    idp = await startIdp();
    t = await startApp(
      mailEnv(sink, { LOGIN_MAX_FAILURES: '3', REFRESH_REUSE_GRACE: '1s', AUTH_PROVIDERS: providersEnv(idp) }),
    );
    http = client(t.url);
    audit = t.app.get(AuditService);
    adminId = await registerAdmin(http, t.dataSource, 'root@example.com');
    adminTokens = keep(await login(http, 'root@example.com', PASSWORD, 'profile users:read users:write'));
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
    await idp.stop();
  });

  it('records verification, logins (token and cookie), failures, lockout, logout and session revocations', async () => {
    const registered = await http.post('/auth/register', { json: { email: 'alice@example.com', password: PASSWORD } });
    aliceId = registered.body.id;
    const code = codeIn(await sink.waitFor('alice@example.com'));
    secrets.push(code);
    expect(
      (await http.post('/auth/verify-email', { json: { email: 'alice@example.com', code }, headers: withUa })).status,
    ).toBe(200);

    const bearer = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'alice@example.com', password: PASSWORD },
      headers: withUa,
    });
    keep(bearer.body);
    const cookie = await http.post('/auth/login', {
      json: { email: 'alice@example.com', password: PASSWORD },
      headers: { ...withUa, origin: 'http://localhost:3000' },
    });
    expect(cookie.status).toBe(200);
    expect(
      (
        await http.post('/auth/token', {
          form: { grant_type: 'password', username: 'alice@example.com', password: WRONG },
        })
      ).status,
    ).toBe(400);
    const third = keep(await login(http, 'alice@example.com'));
    const fourth = keep(await login(http, 'alice@example.com'));
    expect((await http.post('/auth/logout', { token: bearer.body.access_token, headers: withUa })).status).toBe(204);
    const thirdSid = decodeJwt(third.access_token).sid as string;
    expect((await http.delete(`/auth/sessions/${thirdSid}`, { token: fourth.access_token })).status).toBe(204);
    expect((await http.delete('/auth/sessions', { token: fourth.access_token })).status).toBe(204);
    const fifth = keep(await login(http, 'alice@example.com'));
    expect((await http.post('/auth/revoke', { form: { token: fifth.refresh_token } })).status).toBe(200);

    const rows = await events(aliceId);
    expect(rows.map((r: { type: string }) => r.type)).toEqual([
      'email_verified',
      'login_success',
      'login_success',
      'login_failure',
      'login_success',
      'login_success',
      'logout',
      'session_revoked',
      'sessions_revoked',
      'login_success',
      'session_revoked',
    ]);
    expect(rows[1]).toEqual({
      type: 'login_success',
      user_id: aliceId,
      session_id: decodeJwt(bearer.body.access_token).sid,
      ip: '127.0.0.1',
      user_agent: UA,
      details: { via: 'token', scope: 'profile' },
    });
    expect(rows[2].details).toEqual({ via: 'cookie', scope: 'profile' });
    expect(rows[3].details).toEqual({ reason: 'bad_credentials' });
    expect(rows[6]).toMatchObject({
      type: 'logout',
      session_id: decodeJwt(bearer.body.access_token).sid,
      user_agent: UA,
    });
    expect(rows[7].details).toEqual({ revoked_session_id: thirdSid });
    expect(rows[10].details).toEqual({ via: 'revocation_endpoint' });

    // An unknown account: recorded without a user; a lockout after LOGIN_MAX_FAILURES (3) failures.
    for (let i = 0; i < 3; i++) {
      await http.post('/auth/token', {
        form: { grant_type: 'password', username: 'ghost@example.com', password: WRONG },
      });
    }
    const anonymous = await events(null);
    expect(anonymous.map((r: { type: string }) => r.type)).toEqual([
      'login_failure',
      'login_failure',
      'login_failure',
      'login_locked',
    ]);
    expect(anonymous[0].details).toEqual({ reason: 'unknown_account' });
    expect(JSON.stringify(anonymous)).not.toContain('ghost');
  });

  it('records refresh-token reuse, password change, reset and email change', async () => {
    const tokens = keep(await login(http, 'alice@example.com'));
    const rotated = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
    });
    keep(rotated.body);
    await sleep(1100);
    const reuse = await http.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
    });
    expect(reuse.body.error).toBe('invalid_grant');

    const session = keep(await login(http, 'alice@example.com'));
    expect(
      (
        await http.put('/users/me/password', {
          token: session.access_token,
          json: { current_password: PASSWORD, new_password: NEW_PASSWORD },
        })
      ).status,
    ).toBe(204);
    expect((await http.post('/auth/forgot-password', { json: { email: 'alice@example.com' } })).status).toBe(202);
    const resetToken = resetTokenIn(await sink.waitFor('alice@example.com', 3));
    secrets.push(resetToken);
    expect(
      (await http.post('/auth/reset-password', { json: { token: resetToken, new_password: RESET_PASSWORD } })).status,
    ).toBe(200);

    const again = keep(await login(http, 'alice@example.com', RESET_PASSWORD));
    expect(
      (
        await http.post('/users/me/email', {
          token: again.access_token,
          json: { new_email: 'alice@new.example.com', password: RESET_PASSWORD },
        })
      ).status,
    ).toBe(202);
    const code = codeIn(await sink.waitFor('alice@new.example.com'));
    secrets.push(code);
    expect((await http.post('/auth/verify-email', { json: { email: 'alice@new.example.com', code } })).status).toBe(
      200,
    );

    const types = (await events(aliceId)).map((r: { type: string }) => r.type);
    // The rotation itself is routine, not an event; the verification of the new address is the email change.
    expect(types.slice(-9)).toEqual([
      'login_success',
      'refresh_reuse_detected',
      'login_success',
      'password_changed',
      'password_reset_requested',
      'password_reset',
      'login_success',
      'email_change_requested',
      'email_changed',
    ]);
    const changed = (await events(aliceId)).find((r: { type: string }) => r.type === 'email_changed');
    expect(changed.details).toEqual({ old_email: 'alice@example.com', new_email: 'alice@new.example.com' });
  });

  it('records admin actions on the user, naming the admin, and a deletion on the admin', async () => {
    const admin = (json: object) =>
      http.patch(`/users/${aliceId}`, { token: adminTokens.access_token, json, headers: withUa });
    expect((await admin({ roles: ['user', 'admin'] })).status).toBe(200);
    expect((await admin({ roles: ['user', 'admin'] })).status).toBe(200); // no change, no event
    expect((await admin({ disabled: true })).status).toBe(200);
    expect((await admin({ disabled: false })).status).toBe(200);
    const victim = await http.post('/auth/register', { json: { email: 'victim@example.com', password: PASSWORD } });
    expect((await http.delete(`/users/${victim.body.id}`, { token: adminTokens.access_token })).status).toBe(204);

    const onAlice = (await events(aliceId)).slice(-3);
    expect(onAlice).toEqual([
      expect.objectContaining({
        type: 'role_changed',
        user_agent: UA,
        details: { roles: ['user', 'admin'], previous_roles: ['user'], actor_id: adminId, via: 'api' },
      }),
      expect.objectContaining({ type: 'account_disabled', details: { actor_id: adminId, via: 'api' } }),
      expect.objectContaining({ type: 'account_enabled', details: { actor_id: adminId, via: 'api' } }),
    ]);
    const onAdmin = (await events(adminId)).filter((r: { type: string }) => r.type === 'user_deleted');
    expect(onAdmin).toEqual([expect.objectContaining({ details: { target_user_id: victim.body.id } })]);
    // The deleted user's own events went with the account.
    expect(await t.dataSource.query('SELECT 1 FROM auth_events WHERE user_id = $1', [victim.body.id])).toEqual([]);
  });

  it('records two-factor changes: on, recovery code used and regenerated, off, and the admin reset', async () => {
    await http.post('/auth/register', { json: { email: 'mfa-audit@example.com', password: PASSWORD } });
    const tokens = keep(await login(http, 'mfa-audit@example.com'));
    const userId = decodeJwt(tokens.access_token).sub!;
    const headers = withUa;
    const enabled = await enableMfa(http, tokens.access_token);
    secrets.push(enabled.secret, ...(enabled.recoveryCodes ?? []));
    expect(await t.app.get(MfaService).useRecoveryCode(userId, enabled.recoveryCodes![0])).toBe(true);
    const regenerated = await http.post('/auth/mfa/recovery-codes', { token: tokens.access_token, headers });
    secrets.push(...regenerated.body.recovery_codes);
    const removed = await http.delete(`/auth/mfa/factors/${enabled.factorId}`, { token: tokens.access_token, headers });
    expect(removed.status).toBe(204);
    const again = await enableMfa(http, tokens.access_token);
    secrets.push(again.secret, ...(again.recoveryCodes ?? []));
    const reset = await http.delete(`/users/${userId}/mfa`, { token: adminTokens.access_token, headers });
    expect(reset.status).toBe(204);

    const sid = decodeJwt(tokens.access_token).sid;
    const mfaEvents = (await events(userId)).filter((e: { type: string }) => /mfa|recovery/.test(e.type));
    expect(mfaEvents).toEqual([
      expect.objectContaining({ type: 'mfa_enabled', session_id: sid, details: { factor_id: enabled.factorId } }),
      expect.objectContaining({ type: 'recovery_code_used', details: { remaining: 9 } }),
      expect.objectContaining({ type: 'recovery_codes_regenerated', session_id: sid, user_agent: UA }),
      expect.objectContaining({ type: 'mfa_disabled', session_id: sid, details: { reason: 'last_factor_deleted' } }),
      expect.objectContaining({ type: 'mfa_enabled', details: { factor_id: again.factorId } }),
      expect.objectContaining({
        type: 'mfa_reset_by_admin',
        user_agent: UA,
        details: { actor_id: adminId, via: 'api' },
      }),
    ]);
  });

  it('shows me my own events (GET /auth/events), newest first, paginated', async () => {
    const mine = keep(await login(http, 'alice@new.example.com', RESET_PASSWORD));
    const res = await http.get('/auth/events?limit=3', { token: mine.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, limit: 3, total: expect.any(Number) });
    expect(res.body.items).toHaveLength(3);
    expect(res.body.items[0]).toEqual({
      id: expect.any(String),
      type: 'login_success',
      session_id: decodeJwt(mine.access_token).sid,
      ip: '127.0.0.1',
      user_agent: expect.any(String),
      // Alice is an admin by now (role_changed above): every scope her roles allow.
      details: { via: 'token', scope: 'profile users:read users:write' },
      created_at: expect.stringMatching(/Z$/),
    });
    expect(res.body.items[1].type).toBe('account_enabled');
    const page2 = await http.get('/auth/events?limit=3&page=2', { token: mine.access_token });
    expect(page2.body.items[0].type).toBe('role_changed');
    expect(page2.body.total).toBe(res.body.total);
    expect((await http.get('/auth/events?limit=101', { token: mine.access_token })).status).toBe(400);
    expect((await http.get('/auth/events')).status).toBe(401);
    // The admin's own list holds the admin's events only.
    const adminOwn = await http.get('/auth/events?limit=100', { token: adminTokens.access_token });
    expect(adminOwn.body.items.every((e: { details: { actor_id?: string } }) => e.details.actor_id === undefined)).toBe(
      true,
    );
  });

  it("shows an admin with users:read any user's events (GET /users/:id/events), and nobody else", async () => {
    const ok = await http.get(`/users/${aliceId}/events?limit=100`, { token: adminTokens.access_token });
    expect(ok.status).toBe(200);
    expect(ok.body.total).toBe(ok.body.items.length);
    expect(ok.body.items.map((e: { type: string }) => e.type)).toContain('email_verified');
    // Removing a role revokes the user's sessions, so alice logs in again as a plain user.
    await http.patch(`/users/${aliceId}`, { token: adminTokens.access_token, json: { roles: ['user'] } });
    const alice = keep(await login(http, 'alice@new.example.com', RESET_PASSWORD, 'profile'));
    expect((await http.get(`/users/${adminId}/events`, { token: alice.access_token })).status).toBe(403);
    const profileOnly = keep(await login(http, 'root@example.com', PASSWORD, 'profile'));
    expect((await http.get(`/users/${aliceId}/events`, { token: profileOnly.access_token })).status).toBe(403);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await http.get(`/users/${missing}/events`, { token: adminTokens.access_token })).status).toBe(404);
    expect((await http.get('/users/not-a-uuid/events', { token: adminTokens.access_token })).status).toBe(400);
  });

  it('records passkey added, clone suspected (stale counter, with the passkey id) and removed', async () => {
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    const added = await registerPasskey(http, adminTokens.access_token, authenticator);
    const passkeyId = added.body.id as string;
    keep((await signInWithPasskey(http, authenticator, { counter: 5 })).body);
    expect((await signInWithPasskey(http, authenticator, { counter: 5 })).body.error).toBe('invalid_grant');
    expect((await http.delete(`/auth/passkeys/${passkeyId}`, { token: adminTokens.access_token })).status).toBe(204);
    const rows = (await events(adminId)) as Array<{ type: string; details: Record<string, unknown> }>;
    const passkeyRows = rows.filter((e) => e.type.startsWith('passkey_') || e.details.method === 'passkey');
    expect(passkeyRows.map((e) => [e.type, e.details])).toEqual([
      ['passkey_added', { passkey_id: passkeyId }],
      ['login_failure', { reason: 'cloned_authenticator', method: 'passkey' }],
      ['passkey_clone_detected', { passkey_id: passkeyId }],
      ['passkey_removed', { passkey_id: passkeyId }],
    ]);
  });

  it('records a wrong second-factor code as mfa_failed, with neither the code nor the mfa_token', async () => {
    await http.post('/auth/register', { json: { email: 'mfa-failed@example.com', password: PASSWORD } });
    const tokens = keep(await login(http, 'mfa-failed@example.com'));
    const userId = decodeJwt(tokens.access_token).sub!;
    const enabled = await enableMfa(http, tokens.access_token);
    secrets.push(enabled.secret, ...(enabled.recoveryCodes ?? []));
    const first = await passwordGrant(http, 'mfa-failed@example.com');
    secrets.push(first.body.mfa_token);
    const wrong = wrongCode([-1, 0, 1].map((offset) => totpCode(enabled.secret, offset)));
    secrets.push(wrong);
    const res = await http.post('/auth/token', {
      form: { grant_type: 'urn:warden:params:oauth:grant-type:mfa-otp', mfa_token: first.body.mfa_token, otp: wrong },
      headers: withUa,
    });
    expect(res.body.error).toBe('invalid_grant');
    await audit.flush();
    const failed = (await events(userId)).filter((e: { type: string }) => e.type === 'mfa_failed');
    expect(failed).toEqual([
      expect.objectContaining({ type: 'mfa_failed', user_agent: UA, details: { method: 'totp', via: 'token' } }),
    ]);
  });

  it('records a sign-in at another provider (identity_linked, federated_login) and an unlink (identity_unlinked)', async () => {
    idp.tweak({ claims: { sub: 'audit-sub', email: 'federated@example.com', email_verified: true } });
    const browser = new Browser(t.url);
    const { callbackUrl } = await startAndAuthorize(browser, t.url, 'idp');
    const query = new URL(callbackUrl).searchParams;
    secrets.push(query.get('code')!, query.get('state')!, browser.cookie('warden_federation')!);
    expect((await browser.request(callbackUrl, { headers: withUa })).location).toBe('/account');
    const access = browser.cookie('access_token')!;
    secrets.push(access, browser.cookie('refresh_token')!);
    const userId = decodeJwt(access).sub!;
    const linking = await browser.request(`${t.url}/auth/identities/plain`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access}` },
    });
    idp.tweak({ claims: { sub: 'audit-sub-2', email: 'federated@example.com', email_verified: true } });
    const linked = await browser.request(
      await throughProvider(browser, JSON.parse(linking.text).authorization_url, t.url),
    );
    expect(linked.location).toBe('/account');
    expect((await http.delete('/auth/identities/plain', { token: access, headers: withUa })).status).toBe(204);
    const rows = (await events(userId)) as Array<{ type: string; details: Record<string, unknown> }>;
    expect(
      rows.filter((e) => e.type.includes('identit') || e.type === 'federated_login').map((e) => [e.type, e.details]),
    ).toEqual([
      ['identity_linked', { provider: 'idp', account: 'created' }],
      ['federated_login', { provider: 'idp' }],
      ['identity_linked', { provider: 'plain', account: 'existing' }],
      ['identity_unlinked', { provider: 'plain' }],
    ]);
  });

  it('records client registration, change, secret rotation and deletion, with neither secret', async () => {
    const made = await http.post('/clients', {
      token: adminTokens.access_token,
      json: { name: 'Audit client', type: 'confidential', grant_types: ['client_credentials'] },
    });
    expect(made.status).toBe(201);
    const id = made.body.client_id as string;
    secrets.push(made.body.client_secret);
    await http.patch(`/clients/${id}`, { token: adminTokens.access_token, json: { first_party: true } });
    const rotated = await http.post(`/clients/${id}/secret`, { token: adminTokens.access_token });
    secrets.push(rotated.body.client_secret);
    expect((await http.delete(`/clients/${id}`, { token: adminTokens.access_token })).status).toBe(204);
    const rows = (await events(adminId)) as Array<{ type: string; details: Record<string, unknown> }>;
    expect(rows.filter((e) => e.type.startsWith('client_')).map((e) => e.type)).toEqual([
      'client_created',
      'client_updated',
      'client_secret_rotated',
      'client_deleted',
    ]);
  });

  it('has an event of every type, and not one secret in any row', async () => {
    await audit.flush();
    const types = (await t.dataSource.query('SELECT DISTINCT type FROM auth_events')).map(
      (r: { type: string }) => r.type,
    );
    expect([...types].sort()).toEqual([...AUTH_EVENT_TYPES].sort());
    const rows: Array<{ row: string }> = await t.dataSource.query(
      'SELECT row_to_json(e)::text AS row FROM auth_events e',
    );
    expect(rows.length).toBeGreaterThan(25);
    const leaks = rows.filter(
      ({ row }) => secrets.some((secret) => row.includes(secret)) || /\$argon2|\$2[aby]\$/.test(row),
    );
    expect(leaks).toEqual([]);
  });

  it('prunes events older than AUDIT_RETENTION (90 days by default)', async () => {
    await t.dataSource.query(
      `INSERT INTO auth_events (type, user_id, details, created_at)
       VALUES ('login_success', $1, '{}', now() - interval '91 days'),
              ('login_success', $1, '{}', now() - interval '89 days')`,
      [adminId],
    );
    const before: Array<{ n: number }> = await t.dataSource.query('SELECT count(*)::int AS n FROM auth_events');
    expect((await t.app.get(RetentionService).purge()).deleted.auth_events).toBe(1);
    const after: Array<{ n: number }> = await t.dataSource.query('SELECT count(*)::int AS n FROM auth_events');
    expect(after[0].n).toBe(before[0].n - 1);
    const old = await t.dataSource.query(`SELECT 1 FROM auth_events WHERE created_at < now() - interval '90 days'`);
    expect(old).toEqual([]);
  });
});
