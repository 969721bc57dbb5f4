import type { EntityManager } from 'typeorm';

export interface SignInMethods {
  hasPassword: boolean;
  passkeys: number;
  identities: number;
}

/**
 * The ways a user can still sign in, read with the user's row locked (FOR UPDATE) inside the
 * caller's transaction: two removals at once (the last passkey and the last identity) are
 * serialised, so they cannot both pass the "last way to sign in" check. Null: no such user.
 */
export async function lockSignInMethods(em: EntityManager, userId: string): Promise<SignInMethods | null> {
  const [row] = await em.query<Array<{ has_password: boolean; passkeys: number; identities: number }>>(
    `SELECT u.password_hash IS NOT NULL AS has_password,
            (SELECT count(*)::int FROM passkeys p WHERE p.user_id = u.id) AS passkeys,
            (SELECT count(*)::int FROM federated_identities f WHERE f.user_id = u.id) AS identities
       FROM users u WHERE u.id = $1 FOR UPDATE`,
    [userId],
  );
  return row ? { hasPassword: row.has_password, passkeys: row.passkeys, identities: row.identities } : null;
}

export const LAST_SIGN_IN_METHOD =
  'This is the last way to sign in to this account: set a password (forgot-password) or add another sign-in first';
