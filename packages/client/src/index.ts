// The package's public surface (its one entry point, named in package.json `exports`).
export {
  createWardenClient,
  type BearerCodeResult,
  type BearerLoginResult,
  type BearerPasskeyResult,
  type OAuthError,
  type WardenClient,
  type WardenClientOptions,
} from './warden-client.js';
export {
  createWardenCookieClient,
  type CookieCodeResult,
  type CookieLoginResult,
  type ErrorResponse,
  type User,
  type WardenCookieClient,
  type WardenCookieClientOptions,
} from './cookie-client.js';
export {
  MFA_ATTEMPTS,
  type MfaRequired,
  type PasskeyFactor,
  type SecondFactor,
  type SecondFactorCode,
  type SecondFactorError,
  StepUpRequiredError,
} from './second-factor.js';
export {
  BROWSER_CEREMONIES,
  type Passkey,
  type PasskeyCeremonies,
  PasskeyOptionsError,
  type PasskeyRegistrationResult,
} from './passkeys.js';
export type {
  AuthorizationError,
  AuthorizationOptions,
  AuthorizationResult,
  LogoutUrlOptions,
  PendingAuthorization,
} from './authorization-code.js';
export { MemoryTokenStorage, type TokenSet, type TokenStorage } from './token-storage.js';
export type { components, operations, paths } from './openapi.js';
