import type { Role } from '../common/principal.js';

/** Every scope the token endpoint grants, with the text Swagger's Authorize dialog shows. */
export const SCOPES: Record<string, string> = {
  profile: 'Read and manage your own account',
  'users:read': 'Read all users (admins)',
  'users:write': 'Manage all users (admins)',
  'clients:read': 'Read the registered OAuth clients (admins)',
  'clients:write': 'Register, change and delete OAuth clients (admins)',
};

/**
 * OpenID Connect scopes (`profile` above doubles as the OIDC one). Every user may have them, but
 * they are granted only when asked for: a client that asks for nothing keeps the v1 answer.
 */
export const OIDC_SCOPES: Record<string, string> = {
  openid: 'Sign you in to the application (OpenID Connect)',
  email: 'See your email address and whether it is verified',
};

/** Granted only when asked for: a request without `scope` keeps getting what it got before these existed. */
const ON_REQUEST_ONLY = new Set(['clients:read', 'clients:write']);

/** A scope Warden knows: one of SCOPES or of OIDC_SCOPES (what a client may be registered for). */
export function isKnownScope(scope: string): boolean {
  return Object.hasOwn(SCOPES, scope) || Object.hasOwn(OIDC_SCOPES, scope);
}

const ROLE_SCOPES: Record<Role, string[]> = {
  user: ['profile'],
  admin: ['profile', 'users:read', 'users:write', 'clients:read', 'clients:write'],
};

export function allowedScopes(roles: Role[]): string[] {
  return Object.keys(SCOPES).filter((scope) => roles.some((role) => ROLE_SCOPES[role]?.includes(scope)));
}

/**
 * The granted scope is requested ∩ allowed; all allowed when none is requested; null
 * (invalid_scope) when a requested scope is unknown or nothing requested is allowed.
 */
export function grantScopes(requested: string | undefined, roles: Role[]): string[] | null {
  const allowed = allowedScopes(roles);
  const asked = (requested ?? '').split(' ').filter(Boolean);
  if (asked.length === 0) return allowed.filter((scope) => !ON_REQUEST_ONLY.has(scope));
  if (asked.some((scope) => !Object.hasOwn(SCOPES, scope) && !Object.hasOwn(OIDC_SCOPES, scope))) return null;
  const askable = [...allowed, ...Object.keys(OIDC_SCOPES)];
  const granted = [...new Set(asked)].filter((scope) => askable.includes(scope));
  return granted.length > 0 ? granted : null;
}

/**
 * The scope of a refreshed token (RFC 6749 §6): what the session was granted, less what the
 * user's current roles no longer allow; a requested scope must be within that. Null:
 * invalid_scope. A session without a recorded scope was granted all its roles allowed.
 */
export function refreshScopes(granted: string | null, requested: string | undefined, roles: Role[]): string[] | null {
  const allowed = allowedScopes(roles);
  const keep = [...allowed, ...Object.keys(OIDC_SCOPES)];
  const base =
    granted === null
      ? allowed.filter((scope) => !ON_REQUEST_ONLY.has(scope))
      : granted.split(' ').filter((scope) => keep.includes(scope));
  const asked = (requested ?? '').split(' ').filter(Boolean);
  if (asked.length === 0) return base.length > 0 ? base : null;
  if (asked.some((scope) => !base.includes(scope))) return null;
  return [...new Set(asked)];
}
