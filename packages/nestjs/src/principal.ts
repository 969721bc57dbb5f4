/** The caller, as the guard puts it on `request.user`. */
export interface WardenPrincipal {
  /** The user id (`sub`). */
  sub: string;
  /** Warden's session id (`sid`). */
  sid?: string;
  scopes: string[];
  roles: string[];
  email?: string;
  /** NIST 800-63B assurance level of the session; `aal1` when the token has no `acr` claim. */
  acr: string;
  /** Every claim of the token (JWT mode) or of the introspection answer. */
  claims: Record<string, unknown>;
}

/** Builds the principal from JWT claims or an RFC 7662 answer (the same names in both). */
export function principalFrom(claims: Record<string, unknown>): WardenPrincipal | null {
  if (typeof claims.sub !== 'string' || !claims.sub) return null;
  const scope = typeof claims.scope === 'string' ? claims.scope : '';
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  return {
    sub: claims.sub,
    ...(typeof claims.sid === 'string' ? { sid: claims.sid } : {}),
    scopes: scope.split(' ').filter(Boolean),
    roles,
    ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
    acr: typeof claims.acr === 'string' && claims.acr ? claims.acr : 'aal1',
    claims,
  };
}
