import type { User } from '../users/user.entity.js';

/** The standard claims Warden can state about a user (OIDC Core 5.1), by the scope that releases them. */
export const CLAIMS_BY_SCOPE = {
  email: ['email', 'email_verified'],
  profile: ['name', 'preferred_username', 'updated_at'],
} as const;

export interface UserClaims {
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  updated_at?: number;
}

/**
 * The claims of the id_token and of userinfo: `email` releases the address and whether it was
 * verified, `profile` the display name, username and last change. A claim without a value is left
 * out rather than sent as null (OIDC Core 5.3.2).
 */
export function userClaims(user: User, scopes: readonly string[]): UserClaims {
  const claims: UserClaims = {};
  if (scopes.includes('email')) {
    claims.email = user.email;
    claims.email_verified = user.emailVerifiedAt !== null;
  }
  if (scopes.includes('profile')) {
    if (user.displayName) claims.name = user.displayName;
    if (user.username) claims.preferred_username = user.username;
    claims.updated_at = Math.floor(user.updatedAt.getTime() / 1000);
  }
  return claims;
}
