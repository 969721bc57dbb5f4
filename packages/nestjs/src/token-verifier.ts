import type { WardenPrincipal } from './principal.js';

/** Turns a bearer token into the caller, or throws one of the two errors below. */
export interface TokenVerifier {
  verify(token: string): Promise<WardenPrincipal>;
}

export const TOKEN_VERIFIER = Symbol('WARDEN_TOKEN_VERIFIER');

/** The token is not one this API accepts: 401 `invalid_token`. */
export class InvalidTokenError extends Error {}

/** Warden (its JWKS or introspection endpoint) could not answer: 503, never a silent accept. */
export class VerifierUnavailableError extends Error {}
