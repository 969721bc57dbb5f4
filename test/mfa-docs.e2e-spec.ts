import { login, registerAdmin } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { curlExamples, runCurlExample } from './support/doc-examples.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { enableMfa, rowsOf, totpCode } from './support/mfa.js';

// The examples of the two-factor page run against a real server, so they cannot go stale.
describe('docs/mfa.md curl examples', () => {
  let t: TestApp;
  let http: Client;
  const examples = curlExamples('mfa.md');

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
  });
  afterAll(() => t.close());

  const example = (marker: string, vars: Record<string, string>) => runCurlExample(examples, marker, t.url, vars);

  it('covers every route of the page', () => {
    // 6 for enrolment, factors, recovery codes and the admin reset; 4 for signing in and step-up (mfa-login-docs).
    expect(examples).toHaveLength(10);
  });

  it('enrol, confirm, list, regenerate and delete work as shown', async () => {
    const { user, tokens } = await registerAndLogin(http, 'docs-mfa@example.com');
    const vars = { ACCESS_TOKEN: tokens.access_token };
    const started = JSON.parse(await example('/auth/mfa/totp -H', vars));
    expect(Object.keys(started).sort()).toEqual(['factor_id', 'otpauth_uri', 'qr_code', 'secret']);

    const confirmed = JSON.parse(
      await example('/auth/mfa/totp/confirm', {
        ...vars,
        FACTOR_ID: started.factor_id,
        CODE: totpCode(started.secret),
      }),
    );
    expect(confirmed.factor).toMatchObject({ id: started.factor_id, type: 'totp', name: 'Phone' });
    expect(confirmed.recovery_codes).toHaveLength(10);

    const status = JSON.parse(await example('localhost:3000/auth/mfa -H', vars));
    expect(status).toMatchObject({ enabled: true, recovery_codes_remaining: 10 });

    const regenerated = JSON.parse(await example('/auth/mfa/recovery-codes', vars));
    expect(regenerated.recovery_codes).toHaveLength(10);

    expect(await example('/auth/mfa/factors/', { ...vars, FACTOR_ID: started.factor_id })).toBe('');
    expect(await rowsOf(t.dataSource, 'mfa_factors', user.id)).toBe(0);
    expect((await http.get('/users/me', { token: tokens.access_token })).body.mfa_enabled).toBe(false);
  });

  it('the admin reset works as shown', async () => {
    await registerAdmin(http, t.dataSource, 'docs-admin@example.com');
    const admin = (await login(http, 'docs-admin@example.com')).access_token;
    const { user, tokens } = await registerAndLogin(http, 'docs-reset@example.com');
    await enableMfa(http, tokens.access_token);
    expect(await example('/users/$USER_ID/mfa', { ADMIN_TOKEN: admin, USER_ID: user.id })).toBe('');
    expect(await rowsOf(t.dataSource, 'mfa_factors', user.id)).toBe(0);
    expect((await http.get('/users/me', { token: tokens.access_token })).status).toBe(401);
  });
});
