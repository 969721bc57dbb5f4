import type { INestApplication } from '@nestjs/common';
import { startWarden, type Warden } from '@warden/testing';
import { createApp, wardenOptions } from '../src/app.js';

describe('examples/jest-app, tested against an in-process Warden', () => {
  let warden: Warden;
  let app: INestApplication;
  let appUrl: string;

  const call = async (method: string, path: string, token?: string, json?: unknown) => {
    const res = await fetch(appUrl + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(json ? { 'content-type': 'application/json' } : {}),
      },
      body: json ? JSON.stringify(json) : undefined,
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  };

  beforeAll(async () => {
    warden = await startWarden();
    app = await createApp(wardenOptions(warden.url, warden.issuer, warden.introspectionSecret));
    await app.listen(0, '127.0.0.1');
    appUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await warden?.stop();
  });

  it('serves a signed-in user and refuses a request without a token', async () => {
    const user = await warden.createUser({ email: 'ada@example.test' });
    const { access_token } = await warden.tokenFor(user);
    const res = await call('GET', '/balance', access_token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ owner: user.id, email: 'ada@example.test', balance: 100 });
    const anonymous = await call('GET', '/balance');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="warden"');
    expect((await call('GET', '/health')).status).toBe(200);
  });

  it('refuses the report to a token without the users:read scope, and serves an admin who asked for it', async () => {
    const user = await warden.createUser();
    const denied = await call('GET', '/report', (await warden.tokenFor(user)).access_token);
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(denied.headers.get('www-authenticate')).toContain('scope="users:read"');

    // An admin who asks for only `profile` is refused too; asking for users:read, served.
    const admin = await warden.createUser({ roles: ['admin'] });
    const narrow = await warden.tokenFor(admin, { scope: 'profile' });
    expect((await call('GET', '/report', narrow.access_token)).status).toBe(403);
    const scoped = await warden.tokenFor(admin, { scope: 'profile users:read' });
    const report = await call('GET', '/report', scoped.access_token);
    expect(report.status).toBe(200);
    expect(report.body).toEqual({ accounts: 1, total: 100 });
  });

  it('asks for a second factor before a transfer; after the step-up the same session may transfer', async () => {
    const user = await warden.createUser();
    const { access_token } = await warden.tokenFor(user);
    const refused = await call('POST', '/transfers', access_token, { amount: 5 });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="insufficient_user_authentication"');
    expect(refused.headers.get('www-authenticate')).toContain('acr_values="aal2"');

    await warden.enableTotp(user);
    const raised = await warden.stepUp(user, access_token);
    const sent = await call('POST', '/transfers', raised.access_token, { amount: 5 });
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({ from: user.id, amount: 5, status: 'sent' });
    // Introspection judges the session as it is now: the token from before the step-up passes too.
    expect((await call('POST', '/transfers', access_token, { amount: 1 })).status).toBe(201);
  });

  it('lets a user with two-factor on transfer at once: the TOTP sign-in is at aal2', async () => {
    const user = await warden.createUser({ mfa: 'totp' });
    const { access_token } = await warden.tokenFor(user);
    expect((await call('POST', '/transfers', access_token, { amount: 2 })).status).toBe(201);
  });

  it('refuses the next request after the user signed out on Warden', async () => {
    const user = await warden.createUser();
    const { access_token } = await warden.tokenFor(user);
    expect((await call('GET', '/balance', access_token)).status).toBe(200);
    const logout = await fetch(`${warden.url}/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(logout.status).toBe(204);
    const after = await call('GET', '/balance', access_token);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');
  });

  it('refuses an expired token once the clock moved past its 15 minutes, without waiting for them', async () => {
    const user = await warden.createUser();
    const { access_token } = await warden.tokenFor(user);
    await warden.clock.advance('16m');
    try {
      expect((await call('GET', '/balance', access_token)).status).toBe(401);
    } finally {
      await warden.clock.reset();
    }
  });

  it('sends a reset mail whose token sets a new password; the old one stops working', async () => {
    const user = await warden.createUser();
    const asked = await fetch(`${warden.url}/auth/forgot-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email }),
    });
    expect(asked.status).toBe(202);
    const mail = await warden.mailbox(user.email).next({ timeout: 5000 });
    expect(mail.subject).toBe('Reset your Warden password');
    expect(mail.links[0]).toMatch(/\/reset-password\?token=/);
    const reset = await fetch(`${warden.url}/auth/reset-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: new URL(mail.links[0]).searchParams.get('token'),
        new_password: 'my new passphrase',
      }),
    });
    expect(reset.status).toBe(200);
    await expect(warden.tokenFor(user)).rejects.toThrow(/Warden answered 40\d/);
    const { access_token } = await warden.tokenFor({ ...user, password: 'my new passphrase' });
    expect((await call('GET', '/balance', access_token)).status).toBe(200);
  });
});
