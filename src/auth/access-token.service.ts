import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { randomUUID } from 'node:crypto';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { Role } from '../common/principal.js';
import { JwtKeysService } from './jwt-keys.service.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  sid: string;
  jti: string;
  scope: string;
  roles: Role[];
  email: string;
  /** The session's assurance when the token was issued (Warden itself judges the current one). */
  acr: string;
  amr: string[];
  auth_time: number;
  /** The OAuth client the token was issued to (authorization code, client_credentials). */
  client_id?: string;
}

export interface AccessTokenSubject {
  userId: string;
  sessionId: string;
  email: string;
  roles: Role[];
  scopes: string[];
  acr: string;
  amr: string[];
  authTime: Date;
  /** The OAuth client the session was opened for: the token's `client_id` claim. */
  clientId?: string;
}

/** Tokens larger than this are refused before any parsing (RFC 8725 hygiene). */
const MAX_TOKEN_LENGTH = 4096;
/** ~1 KiB each (token and claims): a few MiB at most. */
const VERIFIED_CACHE_ENTRIES = 5000;

/** A client_credentials token: the client itself, no user, no session (`sub` = `client_id`). */
export interface ClientTokenClaims extends JWTPayload {
  sub: string;
  client_id: string;
  jti: string;
  scope: string;
  /** The client's secret generation at issue: a rotation ends the tokens of the older ones. */
  client_gen: number;
}

export interface ClientTokenSubject {
  clientId: string;
  scopes: string[];
  secretGeneration: number;
}

export type VerifiedAccessToken =
  { kind: 'user'; claims: AccessTokenClaims } | { kind: 'client'; claims: ClientTokenClaims };

function isClientClaims(payload: JWTPayload): boolean {
  return (
    payload.sid === undefined &&
    typeof payload.client_id === 'string' &&
    payload.client_id === payload.sub &&
    typeof payload.client_gen === 'number'
  );
}

export class InvalidAccessTokenError extends Error {}

/** Issues and verifies the access-token JWTs (`typ: at+jwt`, RFC 9068). */
@Injectable()
export class AccessTokenService {
  private readonly verified = new VerifiedTokenCache<AccessTokenClaims | ClientTokenClaims>(VERIFIED_CACHE_ENTRIES);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: JwtKeysService,
  ) {}

  get ttlSeconds(): number {
    return this.config.accessTokenTtl;
  }

  sign(subject: AccessTokenSubject): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.keys.signing.sign(
      { typ: 'at+jwt' },
      {
        iss: this.config.jwt.issuer,
        aud: this.config.jwt.audience,
        sub: subject.userId,
        sid: subject.sessionId,
        jti: randomUUID(),
        iat: now,
        exp: now + this.config.accessTokenTtl,
        scope: subject.scopes.join(' '),
        roles: subject.roles,
        email: subject.email,
        acr: subject.acr,
        amr: subject.amr,
        auth_time: Math.floor(subject.authTime.getTime() / 1000),
        ...(subject.clientId ? { client_id: subject.clientId } : {}),
      },
    );
  }

  /** A client_credentials access token: `sub` and `client_id` are the client, no `sid`, no user claims. */
  signForClient(subject: ClientTokenSubject): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.keys.signing.sign(
      { typ: 'at+jwt' },
      {
        iss: this.config.jwt.issuer,
        aud: this.config.jwt.audience,
        sub: subject.clientId,
        client_id: subject.clientId,
        jti: randomUUID(),
        iat: now,
        exp: now + this.config.accessTokenTtl,
        scope: subject.scopes.join(' '),
        client_gen: subject.secretGeneration,
      },
    );
  }

  /** A user's access token (the only kind most callers accept): a client token is refused as invalid. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const verified = await this.verifyAny(token);
    if (verified.kind !== 'user') throw new InvalidAccessTokenError('not a user access token');
    return verified.claims;
  }

  /**
   * Verifies signature (pinned algorithm, known kid), typ, iss, aud, exp, nbf and iat. Expiry is
   * exact (refused from the `exp` second on); JWT_CLOCK_TOLERANCE only excuses a signer whose
   * clock runs ahead (`nbf`, `iat` in the future). A user's token or a client's.
   */
  async verifyAny(token: string): Promise<VerifiedAccessToken> {
    const claims = await this.verifiedClaims(token);
    return isClientClaims(claims)
      ? { kind: 'client', claims: claims as ClientTokenClaims }
      : { kind: 'user', claims: claims as AccessTokenClaims };
  }

  private async verifiedClaims(token: string): Promise<AccessTokenClaims | ClientTokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidAccessTokenError('token too large');
    const now = Math.floor(Date.now() / 1000);
    const cached = this.verified.get(token, now);
    if (cached) return cached;
    const claims = await this.verifyUncached(token);
    if (claims.exp! <= now) throw new InvalidAccessTokenError('token expired');
    if (typeof claims.iat !== 'number' || claims.iat > now + this.config.jwt.clockTolerance) {
      throw new InvalidAccessTokenError('token issued in the future');
    }
    // Shared by every later request with this token: nobody may change it.
    if (Array.isArray(claims.roles)) Object.freeze(claims.roles);
    if (Array.isArray(claims.amr)) Object.freeze(claims.amr);
    this.verified.set(token, Object.freeze(claims));
    return claims;
  }

  private async verifyUncached(token: string): Promise<AccessTokenClaims | ClientTokenClaims> {
    try {
      const { payload } = await jwtVerify<AccessTokenClaims | ClientTokenClaims>(
        token,
        (header) => {
          const key = this.keys.verificationKey(header.kid, header.alg);
          if (!key) throw new InvalidAccessTokenError('unknown kid or wrong algorithm for it');
          return key;
        },
        {
          algorithms: this.keys.algorithms,
          issuer: this.config.jwt.issuer,
          audience: this.config.jwt.audience,
          typ: 'at+jwt',
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
          clockTolerance: this.config.jwt.clockTolerance,
        },
      );
      if (typeof payload.sub !== 'string') throw new InvalidAccessTokenError('malformed claims');
      if (isClientClaims(payload)) return payload;
      if (typeof payload.sid !== 'string' || !Array.isArray(payload.roles)) {
        throw new InvalidAccessTokenError('malformed claims');
      }
      return payload;
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) throw error;
      if (error instanceof errors.JOSEError || error instanceof TypeError || error instanceof SyntaxError) {
        throw new InvalidAccessTokenError(error.message);
      }
      throw new InvalidAccessTokenError('invalid token');
    }
  }
}
