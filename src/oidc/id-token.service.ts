import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { AppConfig, JwtAlgorithm } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { JwtKeysService } from '../auth/jwt-keys.service.js';
import type { User } from '../users/user.entity.js';
import { oidcEnabled } from './oidc-availability.js';
import { userClaims } from './user-claims.js';

/**
 * Five minutes. An id_token tells the client once, right after the code exchange, who signed in;
 * it is not a session credential (the client's own session and Warden's refresh token are), so a
 * long life would only widen the window for a leaked one. The logout endpoint accepts expired
 * ones as `id_token_hint`, so a short life costs the client nothing there.
 */
export const ID_TOKEN_TTL_SECONDS = 300;

export interface IdTokenRequest {
  user: User;
  sessionId: string;
  clientId: string;
  scopes: readonly string[];
  nonce?: string;
  /** The access token issued with it: its hash goes into `at_hash`. */
  accessToken: string;
  acr: string;
  amr: readonly string[];
  authTime: Date;
}

/**
 * `at_hash` (OIDC Core 3.1.3.6): the left half of the hash of the access token's ASCII octets,
 * base64url. The hash is the one of the JWS algorithm: SHA-256 for ES256 and RS256; for EdDSA
 * (Warden only signs with Ed25519) SHA-512, as the OpenID Foundation's errata set for Core and
 * the common libraries (oidc-token-hash) define it.
 */
export function accessTokenHash(accessToken: string, alg: JwtAlgorithm): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256')
    .update(accessToken, 'ascii')
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** Issues OpenID Connect ID tokens (OIDC Core 2), signed with the current key (`kid`). */
@Injectable()
export class IdTokenService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: JwtKeysService,
  ) {}

  /** False under HS256: then there is no id_token to issue (and no OIDC route answers). */
  get enabled(): boolean {
    return oidcEnabled(this.config);
  }

  issue(request: IdTokenRequest): Promise<string> {
    if (!this.enabled) throw new Error('An id_token needs an asymmetric JWT_ALGORITHM');
    const now = Math.floor(Date.now() / 1000);
    const signer = this.keys.signing;
    return signer.sign(
      { typ: 'JWT' },
      {
        iss: this.config.jwt.issuer,
        sub: request.user.id,
        aud: request.clientId,
        exp: now + ID_TOKEN_TTL_SECONDS,
        iat: now,
        auth_time: Math.floor(request.authTime.getTime() / 1000),
        ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
        acr: request.acr,
        amr: request.amr,
        sid: request.sessionId,
        at_hash: accessTokenHash(request.accessToken, signer.alg),
        ...userClaims(request.user, request.scopes),
      },
    );
  }
}
