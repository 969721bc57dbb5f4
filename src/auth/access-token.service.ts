import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify, type JWTPayload, SignJWT } from 'jose';
import { createHmac, type KeyObject, randomUUID } from 'node:crypto';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { Role } from '../users/user.entity.js';
import { JwtKeysService } from './jwt-keys.service.js';

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  sid: string;
  jti: string;
  scope: string;
  roles: Role[];
  email: string;
}

export interface AccessTokenSubject {
  userId: string;
  sessionId: string;
  email: string;
  roles: Role[];
  scopes: string[];
}

/**
 * An HS256 JWS in compact form (RFC 7515 §7.1), byte for byte what jose's SignJWT makes of the
 * same header and claims (tested). Signing only: every token is verified by jose.
 */
export function signHs256(header: object, claims: object, key: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** Tokens larger than this are refused before any parsing (RFC 8725 hygiene). */
const MAX_TOKEN_LENGTH = 4096;

export class InvalidAccessTokenError extends Error {}

/** Issues and verifies the access-token JWTs of contract §3 (`typ: at+jwt`, RFC 9068). */
@Injectable()
export class AccessTokenService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: JwtKeysService,
  ) {}

  get ttlSeconds(): number {
    return this.config.accessTokenTtl;
  }

  sign(subject: AccessTokenSubject): Promise<string> {
    const { key, kid, hmac } = this.keys.signing;
    const header = { alg: this.keys.algorithm, typ: 'at+jwt', kid };
    const iat = Math.floor(Date.now() / 1000);
    const claims: AccessTokenClaims = {
      sid: subject.sessionId,
      scope: subject.scopes.join(' '),
      roles: subject.roles,
      email: subject.email,
      iss: this.config.jwt.issuer,
      aud: this.config.jwt.audience,
      sub: subject.userId,
      jti: randomUUID(),
      iat,
      exp: iat + this.config.accessTokenTtl,
    };
    // An HMAC takes microseconds: less than WebCrypto's trip through the libuv pool (waking a
    // pool thread, then the event loop) that jose's sign() makes. RSA, ECDSA and EdDSA
    // signatures are costlier than that trip and stay off the event loop, with jose.
    if (hmac) return Promise.resolve(signHs256(header, claims, hmac));
    return new SignJWT(claims).setProtectedHeader(header).sign(key);
  }

  /** Verifies signature (pinned algorithm, known kid), typ, iss, aud, exp and nbf. */
  async verify(token: string): Promise<AccessTokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidAccessTokenError('token too large');
    try {
      const { payload } = await jwtVerify<AccessTokenClaims>(
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
          requiredClaims: ['sub', 'sid', 'exp', 'iat', 'jti'],
          clockTolerance: 5,
        },
      );
      if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string' || !Array.isArray(payload.roles)) {
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
