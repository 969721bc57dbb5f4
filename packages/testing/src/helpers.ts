import type { WardenClock } from './clock.js';
import type { Mailbox } from './mailbox.js';
import type { CreateUserOptions, TestUser, TokenOptions, TokenResponse } from './users.js';

/** The helpers of a started (or, see connectWarden, a shared) Warden. */
export interface WardenHelpers {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The `iss` of Warden's tokens (JWT_ISSUER, default APP_URL). */
  readonly issuer: string;
  /** The `aud` of Warden's tokens (JWT_AUDIENCE). */
  readonly audience: string;
  /** The INTROSPECTION_SECRET, for a resource server in introspection mode. */
  readonly introspectionSecret: string;
  readonly clock: WardenClock;
  createUser(options?: CreateUserOptions): Promise<TestUser>;
  /**
   * Enrols a TOTP authenticator for a user made without one (through the API, in a session of its
   * own that ends afterwards); sets `totp`, `totpSecret` and `recoveryCodes` on `user`. Sessions
   * opened before stay at aal1: the case of stepUp().
   */
  enableTotp(user: TestUser): Promise<TestUser>;
  /** A token response through the real password grant (and TOTP step). */
  tokenFor(user: TestUser, options?: TokenOptions): Promise<TokenResponse>;
  /** Raises the session of `accessToken` to aal2 with the user's TOTP (POST /auth/mfa/verify). */
  stepUp(user: TestUser, accessToken: string): Promise<TokenResponse>;
  mailbox(email: string): Mailbox;
}
