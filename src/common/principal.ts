/** Every role; a user always holds `user`. */
export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as established by the access token and its live session. */
export interface Principal {
  userId: string;
  sessionId: string;
  email: string;
  roles: Role[];
  scopes: string[];
  /** The session's assurance level now (not when the token was issued): step-up is judged on it. */
  acr: 'aal1' | 'aal2';
  /** The OAuth client the session was opened for (authorization code), if any. */
  clientId?: string;
}

/**
 * A client_credentials token's caller: the client itself, no user. Only routes marked
 * @AcceptsClientTokens() ever see it as `request.user`.
 */
export interface ClientPrincipal {
  kind: 'client';
  clientId: string;
  scopes: string[];
}

export function isClientPrincipal(value: unknown): value is ClientPrincipal {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'client';
}
