import { startWarden } from '@warden/testing';
import { DataSource as DataSourceToken } from 'typeorm';

/** One of the twenty files: its own Warden, a user, a token, its own database, then stop(). */
export function oneWarden(n: number): void {
  it(`file ${n}: starts its own Warden on its own port and database, signs a user in, stops`, async () => {
    const warden = await startWarden();
    try {
      const user = await warden.createUser({ email: `parallel@example.test` });
      const tokens = await warden.tokenFor(user);
      const me = await fetch(`${warden.url}/users/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(await me.json()).toMatchObject({ id: user.id });
      // The same address in every file: a shared database would have refused it (409) in all but one.
      const [{ n: users }] = await warden.app.get(DataSourceToken).query('SELECT count(*)::int AS n FROM users');
      expect(users).toBe(1);
      console.log(`[parallel] file ${n}: ${warden.url} ready in ${warden.startupMs.toFixed(0)} ms`);
    } finally {
      await warden.stop();
    }
  });
}
