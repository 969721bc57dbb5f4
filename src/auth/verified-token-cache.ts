/**
 * Access tokens whose signature and claims were verified, so that the next request with the same
 * token skips the signature check (a WebCrypto job on libuv's pool, a fifth of an authenticated
 * read's CPU, and queued behind password hashes while logins run). A client sends one token
 * for its whole lifetime, so nearly every request is a hit.
 *
 * Safe because a verification is a pure function of the token and the keys, which are loaded
 * once at start: the key is the whole token (any other token misses), and a hit still checks
 * the expiry. Revocation is not decided here (the session check runs on every request).
 * Bounded: the oldest entry goes when full; expired entries go when met.
 */
export class VerifiedTokenCache<T extends { exp?: number }> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string, nowSeconds: number): T | undefined {
    const claims = this.entries.get(token);
    if (claims === undefined) return undefined;
    // Expiry is exact: a token is refused from its `exp` second on (no clock tolerance here).
    if (claims.exp === undefined || claims.exp <= nowSeconds) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  set(token: string, claims: T): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(token, claims);
  }
}
