import { connectWarden } from '@warden/testing';

/** What each test file of the shared run checks: it reaches the one Warden of globalSetup and all its helpers. */
export function checkSharedWarden(file: string): void {
  describe(`a test file (${file}) using the Warden of globalSetup`, () => {
    const warden = connectWarden();

    it('signs in the user globalSetup made: the database is the shared one', async () => {
      const tokens = await warden.tokenFor({
        id: process.env.SHARED_SEED_ID!,
        email: 'seed@example.test',
        password: 'seed user passphrase',
        roles: ['user'],
        verified: true,
        disabled: false,
      });
      const me = await fetch(`${warden.url}/users/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(await me.json()).toMatchObject({ id: process.env.SHARED_SEED_ID, email: 'seed@example.test' });
    });

    it('creates users with a TOTP authenticator and signs them in with the code', async () => {
      const user = await warden.createUser({ email: `${file}@example.test`, mfa: 'totp' });
      const tokens = await warden.tokenFor(user);
      expect(JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString())).toMatchObject({
        sub: user.id,
        acr: 'aal2',
      });
    });

    it('reads the reset mail of its own user', async () => {
      const user = await warden.createUser({ email: `${file}-reset@example.test` });
      const asked = await fetch(`${warden.url}/auth/forgot-password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email }),
      });
      expect(asked.status).toBe(202);
      const mail = await warden.mailbox(user.email).next({ subject: /Reset/ });
      expect(mail.links[0]).toContain('/reset-password?token=');
      expect(mail.token).toHaveLength(new URL(mail.links[0]).searchParams.get('token')!.length);
    });
  });
}
