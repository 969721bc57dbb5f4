import { Injectable } from '@nestjs/common';
import { OAuthError } from '../common/oauth-error.js';
import type { OAuthClient } from '../clients/oauth-client.entity.js';
import { AccessTokenService } from './access-token.service.js';

/** RFC 6749 4.4.3: an access token and no refresh token. */
export interface ClientTokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

const INVALID_SCOPE = 'The requested scope is unknown or not registered for this client';

/**
 * grant_type=client_credentials (RFC 6749 4.4): a confidential client registered with the grant
 * gets a token for itself (`sub` = `client_id`, no session) with scopes out of its own. It stays
 * good until it expires, the client is deleted, its secret is rotated or a scope it carries is
 * taken from the client (ClientTokenStateService).
 */
@Injectable()
export class ClientCredentialsService {
  constructor(private readonly accessTokens: AccessTokenService) {}

  async issue(client: OAuthClient, requestedScope: string | undefined): Promise<ClientTokenResponse> {
    if (client.type !== 'confidential' || !client.grantTypes.includes('client_credentials')) {
      throw new OAuthError('unauthorized_client', 'This client is not registered for the client_credentials grant');
    }
    const asked = [...new Set((requestedScope ?? '').split(' ').filter(Boolean))];
    if (asked.some((scope) => !client.scopes.includes(scope))) throw new OAuthError('invalid_scope', INVALID_SCOPE);
    const scopes = asked.length > 0 ? asked : client.scopes;
    const accessToken = await this.accessTokens.signForClient({
      clientId: client.id,
      scopes,
      secretGeneration: client.secretGeneration,
    });
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: this.accessTokens.ttlSeconds,
      scope: scopes.join(' '),
    };
  }
}
