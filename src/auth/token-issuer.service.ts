import { Injectable } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { OAuthError } from '../common/oauth-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type ClientInfo, SessionsService } from '../sessions/sessions.service.js';
import type { User } from '../users/user.entity.js';
import { AccessTokenService } from './access-token.service.js';
import { grantScopes } from './scopes.js';
import type { TokenResponseDto } from './dto/token-response.dto.js';

/** Turns an authenticated user into a session and the RFC 6749 token response. */
@Injectable()
export class TokenIssuerService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly accessTokens: AccessTokenService,
  ) {}

  async issueForLogin(user: User, client: ClientInfo, requestedScope?: string): Promise<TokenResponseDto> {
    const scopes = grantScopes(requestedScope, user.roles);
    if (!scopes)
      throw new OAuthError('invalid_scope', 'The requested scope is unknown or not allowed for this account');
    const { session, refreshToken } = await this.sessions.create(user.id, client, this.config.refreshTokenTtl);
    const accessToken = await this.accessTokens.sign({
      userId: user.id,
      sessionId: session.id,
      email: user.email,
      roles: user.roles,
      scopes,
    });
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: this.accessTokens.ttlSeconds,
      refresh_token: refreshToken,
      scope: scopes.join(' '),
    };
  }
}
