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
}
