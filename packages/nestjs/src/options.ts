/** Asymmetric JWS algorithms only: a resource server never holds a secret that could mint tokens. */
export const ASYMMETRIC_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

export type WardenAuthMode = 'jwt' | 'introspect';

export interface IntrospectionOptions {
  /** Warden's RFC 7662 endpoint, e.g. `https://auth.example.com/auth/introspect`. */
  url: string;
  /** Warden's `INTROSPECTION_SECRET`, sent as `Authorization: Bearer <secret>`. */
  secret: string;
  /** How long an active answer is reused, in seconds (default 5). Bounds how late a revocation is seen. */
  cacheTtlSeconds?: number;
  /** How long an inactive answer is reused, in seconds (default 1; never more than `cacheTtlSeconds`). */
  negativeCacheTtlSeconds?: number;
  /** Most tokens kept in the cache (default 10,000); the oldest entry leaves first. */
  maxCacheEntries?: number;
  /** Request timeout in milliseconds (default 5,000). */
  timeoutMs?: number;
}

export interface WardenAuthOptions {
  /** Warden's issuer (`JWT_ISSUER`, by default its `APP_URL`); the `iss` every token must carry. */
  issuer: string;
  /** The audience (or audiences) this API accepts in `aud` (Warden's `JWT_AUDIENCE`). */
  audience: string | string[];
  /** `jwt`: verify signatures locally through the JWKS. `introspect`: ask Warden, so revocation is instant. */
  mode: WardenAuthMode;
  /** JWKS URL (default `<issuer>/.well-known/jwks.json`); `jwt` mode. */
  jwksUrl?: string;
  /** Accepted signing algorithms (default: all asymmetric ones); `jwt` mode. */
  algorithms?: AsymmetricAlgorithm[];
  /** Allowed clock skew for `exp`/`nbf`, in seconds (default 5); `jwt` mode. */
  clockToleranceSeconds?: number;
  /** Required in `introspect` mode. */
  introspection?: IntrospectionOptions;
  /** `realm` of the WWW-Authenticate challenges (default: the first audience). */
  realm?: string;
  /** Register the guard for every route (default true); `false` to apply it with @UseGuards(). */
  global?: boolean;
}

export const WARDEN_AUTH_OPTIONS = Symbol('WARDEN_AUTH_OPTIONS');

/** Throws on options that would make the guard accept the wrong tokens; returns them as given. */
export function validateOptions(options: WardenAuthOptions): WardenAuthOptions {
  const fail = (message: string): never => {
    throw new Error(`WardenAuthModule: ${message}`);
  };
  if (!options.issuer) fail('issuer is required');
  const audiences = ([] as string[]).concat(options.audience ?? []);
  if (audiences.length === 0 || audiences.some((a) => !a)) fail('audience is required');
  if (options.mode !== 'jwt' && options.mode !== 'introspect') fail(`mode must be 'jwt' or 'introspect'`);
  for (const alg of options.algorithms ?? []) {
    if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg))
      fail(`algorithm ${alg} is not an asymmetric JWS algorithm`);
  }
  if (options.algorithms?.length === 0) fail('algorithms must not be empty');
  if (options.mode === 'introspect') {
    const intro = options.introspection;
    if (!intro?.url || !intro.secret) fail('introspect mode needs introspection.url and introspection.secret');
    if (intro && intro.cacheTtlSeconds !== undefined && !(intro.cacheTtlSeconds >= 0))
      fail('cacheTtlSeconds must be ≥ 0');
  }
  return options;
}
