import { Injectable } from '@nestjs/common';
import type { ClientInfo } from '../common/client-info.js';
import { invalidClient } from '../clients/client-auth.service.js';
import type { OAuthClient } from '../clients/oauth-client.entity.js';
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

  /**
   * The refresh grant; `invalid_grant` says unknown, expired, revoked or reused. A session opened
   * for an OAuth client refreshes only with that client (`oauthClient`, authenticated by the
   * caller: a confidential one with its secret, a public one by its client_id); a session of the
   * password grant or the browser login has none and refreshes as it always did.
   */
  async refresh(
    refreshToken: string,
    client: ClientInfo,
    requestedScope?: string,
    oauthClient: OAuthClient | null = null,
  ): Promise<IssuedTokens> {
    let scopes: string[] = [];
    const result = await this.rotation.rotate(refreshToken, client, (session, user) => {
      if (session.clientId && !oauthClient) throw invalidClient('This refresh token needs its client: authenticate it');
      if ((session.clientId ?? null) !== (oauthClient?.id ?? null)) {
        throw new OAuthError('invalid_grant', 'The refresh token was not issued to this client');
      }
      const narrowed = refreshScopes(session.scope, requestedScope, user.roles);
      if (!narrowed) throw new OAuthError('invalid_scope', INVALID_SCOPE);
      scopes = narrowed;
    });
    if (!result.ok) throw new OAuthError('invalid_grant', REFRESH_REFUSALS[result.reason]);
    return withAccessToken(this.accessTokens, result.user, result.session, result.refreshToken, scopes);
  }
}
