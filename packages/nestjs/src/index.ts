// The package's public surface (its one entry point, named in package.json `exports`).
export { WardenAuthModule, type WardenAuthAsyncOptions } from './warden-auth.module.js';
export { WardenAuthGuard } from './warden-auth.guard.js';
export { CurrentPrincipal, Public, RequireAal, Roles, Scopes, AAL_LEVELS, type AalLevel } from './decorators.js';
export type { WardenPrincipal } from './principal.js';
export {
  ASYMMETRIC_ALGORITHMS,
  WARDEN_AUTH_OPTIONS,
  type AsymmetricAlgorithm,
  type IntrospectionOptions,
  type WardenAuthMode,
  type WardenAuthOptions,
} from './options.js';
export { InvalidTokenError, TOKEN_VERIFIER, VerifierUnavailableError, type TokenVerifier } from './token-verifier.js';
export { bearerChallenge } from './challenge.js';
