import { Injectable } from '@nestjs/common';
import type { ClientInfo } from '../common/client-info.js';
import { OAuthError } from '../common/oauth-error.js';
import { RefreshRotationService, type RotationRefusal } from '../sessions/refresh-rotation.service.js';
import { AccessTokenService } from './access-token.service.js';
import { type IssuedTokens, withAccessToken } from './issued-tokens.js';
import { refreshScopes } from './scopes.js';

/** The refresh grant's error_description says which case it is. */
export const REFRESH_REFUSALS: Record<RotationRefusal, string> = {
  unknown: 'The refresh token is unknown',
  expired: 'The refresh token has expired; sign in again',
  revoked: 'The refresh token has been revoked',
  reused: 'The refresh token was reused after it had been rotated; the session has been revoked',
};

const INVALID_SCOPE = 'The requested scope is unknown or not allowed for this account';

/** Turns a refresh token into its session's new token pair (logins: LoginService). */
@Injectable()
export class TokenIssuerService {
  constructor(
    private readonly rotation: RefreshRotationService,
    private readonly accessTokens: AccessTokenService,
  ) {}

  /** The refresh grant; `invalid_grant` says unknown, expired, revoked or reused. */
  async refresh(refreshToken: string, client: ClientInfo, requestedScope?: string): Promise<IssuedTokens> {
    let scopes: string[] = [];
    const result = await this.rotation.rotate(refreshToken, client, (session, user) => {
      const narrowed = refreshScopes(session.scope, requestedScope, user.roles);
      if (!narrowed) throw new OAuthError('invalid_scope', INVALID_SCOPE);
      scopes = narrowed;
    });
    if (!result.ok) throw new OAuthError('invalid_grant', REFRESH_REFUSALS[result.reason]);
    return withAccessToken(this.accessTokens, result.user, result.session, result.refreshToken, scopes);
  }
}
