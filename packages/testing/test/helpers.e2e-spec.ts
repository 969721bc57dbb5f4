import { decodeJwt } from 'jose';
import { startWarden, type Warden } from '@warden/testing';

async function get(warden: Warden, path: string, token?: string): Promise<Response> {
  return fetch(warden.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function post(warden: Warden, path: string, json: unknown, token?: string): Promise<Response> {
  return fetch(warden.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(json),
  });
}

describe('the helpers of startWarden()', () => {
  let warden: Warden;

  beforeAll(async () => {
    warden = await startWarden();
  });
  afterAll(async () => {
    await warden.stop();
  });
  afterEach(() => warden.clock.reset());

  it('createUser() makes a verified user whose token the real API accepts', async () => {
    const user = await warden.createUser({ email: 'Alice@Example.test' });
    expect(user).toMatchObject({ email: 'alice@example.test', roles: ['user'], verified: true, disabled: false });
    expect(user.password.length).toBeGreaterThanOrEqual(8);
    const tokens = await warden.tokenFor(user);
    expect(tokens.scope).toBe('profile');
    const me = await get(warden, '/users/me', tokens.access_token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: user.id, email: 'alice@example.test', email_verified: true });
  });

  it('gives two users made without options different addresses and passwords', async () => {
    const [a, b] = await Promise.all([warden.createUser(), warden.createUser()]);
    expect(a.email).not.toBe(b.email);
    expect(a.password).not.toBe(b.password);
  });

  it('tokenFor() asks for scopes through the password grant: an admin gets users:read, a user is refused it', async () => {
    const admin = await warden.createUser({ roles: ['admin'] });
    expect(admin.roles).toEqual(['user', 'admin']);
    const tokens = await warden.tokenFor(admin, { scope: 'users:read' });
    expect(tokens.scope).toBe('users:read');
    expect((await get(warden, '/users', tokens.access_token)).status).toBe(200);
    const user = await warden.createUser();
    await expect(warden.tokenFor(user, { scope: 'users:read' })).rejects.toThrow(/Warden answered 400 \(invalid_scope/);
  });

  it('refuses to sign in an unverified or a disabled user, as Warden does', async () => {
    const unverified = await warden.createUser({ verified: false });
    await expect(warden.tokenFor(unverified)).rejects.toThrow(/Warden answered (400|401|403)/);
    const disabled = await warden.createUser({ disabled: true });
    expect(disabled.disabled).toBe(true);
    await expect(warden.tokenFor(disabled)).rejects.toThrow(/Warden answered (400|401|403)/);
  });

  it("mfa: 'totp' enrols an authenticator: tokenFor() passes the TOTP step and the session is at aal2", async () => {
    const user = await warden.createUser({ mfa: 'totp' });
    expect(user.totpSecret).toMatch(/^[A-Z2-7]+=*$/);
    expect(user.recoveryCodes).toHaveLength(10);
    const tokens = await warden.tokenFor(user);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: user.id, acr: 'aal2' });
    // The password alone is not enough: the real grant asks for the second factor.
    const bare = await fetch(`${warden.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: user.email, password: user.password }),
    });
    expect(bare.status).toBe(400);
    expect(await bare.json()).toMatchObject({ error: 'mfa_required' });
    // Mails caused by createUser (the "two-factor is on" notice) are not left in the mailbox.
    await expect(warden.mailbox(user.email).next({ timeout: 200 })).rejects.toThrow(/No mail to/);
  });

  it('totp() gives a fresh code each time Warden takes one, and says when a 30-second window is used up', async () => {
    // At the start of a 30-second step, so that no step boundary passes during the test.
    await warden.clock.advance(30_000 - (Date.now() % 30_000) + 500);
    const user = await warden.createUser({ mfa: 'totp' });
    // Three steps per window (previous, current, next): the enrolment took one, two logins take the rest.
    await warden.tokenFor(user);
    await warden.tokenFor(user);
    expect(() => user.totp!()).toThrow(/advance\(30_000\) first/);
    await warden.clock.advance(30_000);
    await expect(warden.tokenFor(user)).resolves.toMatchObject({ token_type: 'bearer' });
  });

  it('stepUp() raises a session opened before enableTotp() from aal1 to aal2, for the same session', async () => {
    const user = await warden.createUser();
    const before = await warden.tokenFor(user);
    await expect(warden.stepUp(user, before.access_token)).rejects.toThrow(/no TOTP authenticator/);
    await warden.enableTotp(user);
    const claims = decodeJwt(before.access_token);
    expect(claims.acr).toBe('aal1');
    const raised = await warden.stepUp(user, before.access_token);
    expect(decodeJwt(raised.access_token)).toMatchObject({ sid: claims.sid, acr: 'aal2' });
    // The session itself is raised: the token issued before now introspects at aal2.
    const introspected = await fetch(`${warden.url}/auth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Bearer ${warden.introspectionSecret}`,
      },
      body: new URLSearchParams({ token: before.access_token }),
    });
    expect(await introspected.json()).toMatchObject({ active: true, acr: 'aal2', sid: claims.sid });
  });

  it('mailbox().next() returns the reset mail with its link and token, and the token works', async () => {
    const user = await warden.createUser();
    expect((await post(warden, '/auth/forgot-password', { email: user.email })).status).toBe(202);
    const mail = await warden.mailbox(user.email).next({ timeout: 5000 });
    expect(mail.subject).toBe('Reset your Warden password');
    expect(mail.links).toHaveLength(1);
    const link = new URL(mail.links[0]);
    expect(link.searchParams.get('token')).toBe(mail.token);
    const reset = await post(warden, '/auth/reset-password', {
      token: mail.token,
      new_password: 'a new long passphrase',
    });
    expect(reset.status).toBe(200);
    await expect(warden.tokenFor({ ...user, password: 'a new long passphrase' })).resolves.toHaveProperty(
      'access_token',
    );
    // Each mail is handed out once; the "password changed" notice comes next.
    const notice = await warden.mailbox(user.email).next({ subject: /password was changed/ });
    expect(notice.code).toBeNull();
  });

  it('mailbox().next() returns the verification code of a registration, which verifies the address', async () => {
    const email = 'newcomer@example.test';
    expect((await post(warden, '/auth/register', { email, password: 'a long enough password' })).status).toBe(201);
    const mail = await warden.mailbox(email).next();
    expect(mail.code).toMatch(/^\d{6}$/);
    const verified = await post(warden, '/auth/verify-email', { email, code: mail.code });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ email, email_verified: true });
  });

  it('mailbox().next() rejects after its timeout when no mail comes', async () => {
    const started = performance.now();
    await expect(warden.mailbox('nobody@example.test').next({ timeout: 300 })).rejects.toThrow(
      'No mail to nobody@example.test within 300 ms',
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('clock.advance() expires an access token without sleeping', async () => {
    const user = await warden.createUser();
    const tokens = await warden.tokenFor(user);
    expect((await get(warden, '/users/me', tokens.access_token)).status).toBe(200);
    await warden.clock.advance('14m');
    expect((await get(warden, '/users/me', tokens.access_token)).status).toBe(200);
    await warden.clock.advance('2m');
    const expired = await get(warden, '/users/me', tokens.access_token);
    expect(expired.status).toBe(401);
  });

  it('clock.advance() moves the database clock too: a reset token expires after RESET_TOKEN_TTL (30m)', async () => {
    const user = await warden.createUser();
    await post(warden, '/auth/forgot-password', { email: user.email });
    const mail = await warden.mailbox(user.email).next();
    await warden.clock.advance('31m');
    const reset = await post(warden, '/auth/reset-password', {
      token: mail.token,
      new_password: 'another long passphrase',
    });
    expect(reset.status).toBe(400);
    await expect(warden.tokenFor(user)).resolves.toHaveProperty('access_token');
  });

  it('writes no password, code or token of the above to its log', () => {
    const log = warden.logs.join('\n');
    expect(log).not.toMatch(/password":"(?!\[)/);
    for (const line of warden.logs) expect(line).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});
