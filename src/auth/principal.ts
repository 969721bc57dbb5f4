import type { Role } from '../users/user.entity.js';

/** Who is calling, as established by the access token and its live session. */
export interface Principal {
  userId: string;
  sessionId: string;
  email: string;
  roles: Role[];
  scopes: string[];
}
