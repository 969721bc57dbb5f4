import { createHash } from 'node:crypto';
import type { IntrospectionOptions, WardenAuthOptions } from './options.js';
import { principalFrom, type WardenPrincipal } from './principal.js';
import { InvalidTokenError, type TokenVerifier, VerifierUnavailableError } from './token-verifier.js';
import { TtlCache } from './ttl-cache.js';

type Answer = { active: true; principal: WardenPrincipal } | { active: false };

/**
 * RFC 7662 introspection against Warden: a revoked session's tokens are refused as soon as the
 * cached answer expires (a few seconds), not when the token does. The cache is keyed on a hash
 * of the token, so the tokens themselves are not kept in memory; concurrent requests carrying
 * the same token share one call. Failures to reach Warden are never cached.
 */
export class IntrospectionVerifier implements TokenVerifier {
  private readonly cache: TtlCache<Answer>;
  private readonly inFlight = new Map<string, Promise<Answer>>();
  private readonly settings: Required<IntrospectionOptions>;
  private readonly audiences: string[];

  constructor(
    private readonly options: WardenAuthOptions,
    private readonly now: () => number = Date.now,
  ) {
    const given = options.introspection!;
    const cacheTtlSeconds = given.cacheTtlSeconds ?? 5;
    this.settings = {
      cacheTtlSeconds,
      negativeCacheTtlSeconds: Math.min(given.negativeCacheTtlSeconds ?? 1, cacheTtlSeconds),
      maxCacheEntries: given.maxCacheEntries ?? 10_000,
      timeoutMs: given.timeoutMs ?? 5_000,
      url: given.url,
      secret: given.secret,
    };
    this.audiences = ([] as string[]).concat(options.audience);
    this.cache = new TtlCache(this.settings.maxCacheEntries, now);
  }

  async verify(token: string): Promise<WardenPrincipal> {
    const key = createHash('sha256').update(token).digest('base64url');
    let answer = this.cache.get(key);
    if (!answer) {
      let pending = this.inFlight.get(key);
      if (!pending) {
        pending = this.ask(token).finally(() => this.inFlight.delete(key));
        this.inFlight.set(key, pending);
      }
      answer = await pending;
      this.remember(key, answer);
    }
    if (!answer.active) throw new InvalidTokenError('inactive');
    const exp = answer.principal.claims.exp;
    if (typeof exp === 'number' && exp * 1000 <= this.now()) throw new InvalidTokenError('expired');
    return answer.principal;
  }

  private remember(key: string, answer: Answer): void {
    const { cacheTtlSeconds, negativeCacheTtlSeconds } = this.settings;
    if (!answer.active) return this.cache.set(key, answer, negativeCacheTtlSeconds * 1000);
    const exp = answer.principal.claims.exp;
    const untilExpiry = typeof exp === 'number' ? exp * 1000 - this.now() : Infinity;
    this.cache.set(key, answer, Math.min(cacheTtlSeconds * 1000, untilExpiry));
  }

  private async ask(token: string): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(this.settings.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.settings.secret}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch {
      throw new VerifierUnavailableError('introspection endpoint unreachable');
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new VerifierUnavailableError(`introspection endpoint answered ${response.status}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new VerifierUnavailableError('introspection endpoint answered no JSON');
    }
    return this.judge(body);
  }

  /** Active is not enough: it must be an access token (not a refresh token) for this issuer and audience. */
  private judge(body: unknown): Answer {
    if (typeof body !== 'object' || body === null)
      throw new VerifierUnavailableError('introspection answer is not an object');
    const claims = body as Record<string, unknown>;
    if (claims.active !== true) return { active: false };
    const tokenType = typeof claims.token_type === 'string' ? claims.token_type.toLowerCase() : '';
    if (tokenType !== 'bearer' || claims.iss !== this.options.issuer) return { active: false };
    const aud = ([] as unknown[]).concat(claims.aud ?? []);
    if (!aud.some((a) => typeof a === 'string' && this.audiences.includes(a))) return { active: false };
    const principal = principalFrom(claims);
    return principal ? { active: true, principal } : { active: false };
  }
}
