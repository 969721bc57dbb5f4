import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { ASYMMETRIC_ALGORITHMS, type WardenAuthOptions } from './options.js';
import { principalFrom, type WardenPrincipal } from './principal.js';
import { InvalidTokenError, type TokenVerifier, VerifierUnavailableError } from './token-verifier.js';

// Failures to obtain the key set, as opposed to a token that does not verify against it.
const UNAVAILABLE_CODES = new Set([errors.JWKSTimeout.code, errors.JWKSInvalid.code, errors.JOSEError.code]);

/**
 * Local verification through Warden's JWKS. jose caches the key set and refetches it when a
 * token names an unknown `kid` (key rotation), at most once per cooldown. A revoked session's
 * tokens still verify until they expire: use `introspect` mode where that matters.
 */
export class JwtVerifier implements TokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: WardenAuthOptions) {
    const url = options.jwksUrl ?? `${options.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
    this.jwks = createRemoteJWKSet(new URL(url));
  }

  async verify(token: string): Promise<WardenPrincipal> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        typ: 'at+jwt',
        algorithms: [...(this.options.algorithms ?? ASYMMETRIC_ALGORITHMS)],
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError && !UNAVAILABLE_CODES.has(error.code))
        throw new InvalidTokenError(error.code);
      if (error instanceof errors.JOSEError || isNetworkError(error))
        throw new VerifierUnavailableError('JWKS unavailable');
      throw error;
    }
    const principal = principalFrom(payload);
    if (!principal) throw new InvalidTokenError('no subject');
    return principal;
  }
}

/** fetch() failures; by name, since they may come from another realm than this module's TypeError. */
function isNetworkError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TypeError' || name === 'AbortError' || name === 'TimeoutError';
}
