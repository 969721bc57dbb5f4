import { readFileSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { curlExamples, runCurlExample } from './support/doc-examples.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { totpCode } from './support/mfa.js';
import { giveMfa, registerWithMfa } from './support/mfa-login.js';

// The sign-in and step-up examples of the two-factor page run against a real server.
describe('docs/mfa.md: signing in with a second factor and step-up, as shown', () => {
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

  it('password, then a TOTP code; password, then a recovery code', async () => {
    const user = await registerWithMfa(t, http, 'docs-signin@example.com');
    const vars = { EMAIL: user.email, PASSWORD };
    const first = JSON.parse(await example('grant_type=password', vars));
    expect(first).toMatchObject({ error: 'mfa_required', mfa_methods: ['totp', 'recovery_code'] });
    const tokens = JSON.parse(await example('mfa-otp', { MFA_TOKEN: first.mfa_token, CODE: totpCode(user.secret) }));
    expect(decodeJwt(tokens.access_token)).toMatchObject({ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    const again = JSON.parse(await example('grant_type=password', vars));
    const recovered = JSON.parse(
      await example('mfa-recovery-code', { MFA_TOKEN: again.mfa_token, RECOVERY_CODE: user.recoveryCodes[0] }),
    );
    expect(decodeJwt(recovered.access_token)).toMatchObject({ acr: 'aal2', amr: ['pwd', 'mfa'] });
  });

  it('step-up with POST /auth/mfa/verify', async () => {
    const { user, tokens } = await registerAndLogin(http, 'docs-stepup@example.com');
    const { secret } = await giveMfa(t, user.id as string);
    const refused = await http.post('/users/me/email', { token: tokens.access_token, json: {} });
    expect(refused.status).toBe(401);
    const raised = JSON.parse(
      await example('/auth/mfa/verify', { ACCESS_TOKEN: tokens.access_token, CODE: totpCode(secret) }),
    );
    expect(decodeJwt(raised.access_token)).toMatchObject({ sid: decodeJwt(tokens.access_token).sid, acr: 'aal2' });
    expect(refused.headers.get('www-authenticate')).toBe(
      readFileSync(new URL('../docs/mfa.md', import.meta.url), 'utf8').match(/^WWW-Authenticate: (.*)$/m)![1],
    );
  });
});
