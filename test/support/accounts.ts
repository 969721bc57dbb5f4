import type { DataSource } from 'typeorm';
import type { Client } from './http.js';

export const PASSWORD = 'correct horse battery staple';

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  scope: string;
}

/** Password grant; throws unless it answers 200. */
export async function login(http: Client, username: string, password = PASSWORD, scope?: string): Promise<TokenSet> {
  const res = await http.post('/auth/token', {
    form: { grant_type: 'password', username, password, ...(scope ? { scope } : {}) },
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return res.body as TokenSet;
}

/** Registers through the API, then makes the account an admin in the database (as the CLI would). */
export async function registerAdmin(http: Client, ds: DataSource, email: string): Promise<string> {
  const res = await http.post('/auth/register', { json: { email, password: PASSWORD } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  await ds.query(`UPDATE users SET roles = '{user,admin}', email_verified_at = now() WHERE id = $1`, [res.body.id]);
  return res.body.id as string;
}
