import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service.js';
import type { TokenResponseDto } from '../auth/dto/token-response.dto.js';
import { tokenResponse } from '../auth/issued-tokens.js';
import { LoginService } from '../auth/login.service.js';
import { ClientAuthService } from '../clients/client-auth.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { OAuthError } from '../common/oauth-error.js';
import { IdTokenService } from '../oidc/id-token.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { UsersService } from '../users/users.service.js';
import { AuthorizationCodesService } from './authorization-codes.service.js';

const INVALID_CODE =
  'The code is invalid, expired or already used, or was issued to another client or redirect_uri, ' +
  'or the code_verifier does not match';

export interface CodeExchange {
  code: string;
  redirect_uri: string;
  code_verifier: string;
}

/**
 * `grant_type=authorization_code` (RFC 6749 4.1.3, RFC 7636 4.6): the client (authenticated, or
 * named by client_id when public), the code claimed once for that client, redirect_uri and
 * verifier, then a new session bound to the client through the one login path, with the
 * browser session's acr, amr and auth_time. A code presented again revokes the session its
 * first use opened (RFC 6749 4.1.2, RFC 9700 4.5).
 */
@Injectable()
export class CodeGrantService {
  constructor(
    private readonly clientAuth: ClientAuthService,
    private readonly codes: AuthorizationCodesService,
    private readonly users: UsersService,
    private readonly login: LoginService,
    private readonly sessions: SessionsService,
    private readonly idTokens: IdTokenService,
    private readonly audit: AuditService,
  ) {}

  async exchange(request: FastifyRequest, exchange: CodeExchange, client: ClientInfo): Promise<TokenResponseDto> {
    const oauthClient = await this.clientAuth.authenticate(request, request.body);
    if (!oauthClient.grantTypes.includes('authorization_code')) {
      throw new OAuthError('unauthorized_client', 'This client may not use the authorization code grant');
    }
    const claimed = await this.codes.claim(
      exchange.code,
      oauthClient.id,
      exchange.redirect_uri,
      exchange.code_verifier,
    );
    if (!claimed) {
      await this.revokeOnReuse(exchange.code, oauthClient.id, client);
      throw new OAuthError('invalid_grant', INVALID_CODE);
    }
    const user = await this.users.findById(claimed.userId);
    if (!user || user.disabledAt) throw new OAuthError('invalid_grant', INVALID_CODE);
    const issued = await this.login.complete(
      { user, passwordHash: null, acr: claimed.acr, amr: claimed.amr },
      client,
      claimed.scope,
      'authorization_code',
      { clientId: oauthClient.id, authTime: claimed.authTime },
    );
    if (!(await this.codes.bindSession(claimed.id, issued.session.id))) {
      // Presented a second time while this exchange ran: the new session goes too.
      await this.sessions.revoke(issued.session.id, user.id, 'code_reuse');
      throw new OAuthError('invalid_grant', INVALID_CODE);
    }
    const response: TokenResponseDto = tokenResponse(issued);
    if (issued.scopes.includes('openid') && this.idTokens.enabled) {
      response.id_token = await this.idTokens.issue({
        user,
        sessionId: issued.session.id,
        clientId: oauthClient.id,
        scopes: issued.scopes,
        nonce: claimed.nonce ?? undefined,
        accessToken: issued.accessToken,
        acr: issued.session.acr,
        amr: issued.session.amr,
        authTime: issued.session.authTime,
      });
    }
    return response;
  }

  private async revokeOnReuse(code: string, clientId: string, client: ClientInfo): Promise<void> {
    const reuse = await this.codes.markReuse(code);
    if (!reuse) return;
    if (!reuse.sessionId || !(await this.sessions.revoke(reuse.sessionId, reuse.userId, 'code_reuse'))) return;
    this.audit.recordLater({
      type: 'session_revoked',
      userId: reuse.userId,
      client,
      details: { via: 'code_reuse', revoked_session_id: reuse.sessionId, client_id: clientId },
    });
  }
}
