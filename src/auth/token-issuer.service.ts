import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { OAuthError } from '../common/oauth-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LoginThrottleService } from '../limits/login-throttle.service.js';
import type { ThrottleCounter } from '../limits/login-throttle.store.js';
import { RefreshRotationService, type RotationRefusal } from '../sessions/refresh-rotation.service.js';
import type { Session } from '../sessions/session.entity.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { User } from '../users/user.entity.js';
import { AccessTokenService } from './access-token.service.js';
import type { TokenResponseDto } from './dto/token-response.dto.js';
import { grantScopes, refreshScopes } from './scopes.js';

/** A fresh token pair, before it becomes a token response (bearer) or cookies (browser). */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  scopes: string[];
  session: Session;
  user: User;
}

/** contract §4: the refresh grant's error_description says which case it is. */
export const REFRESH_REFUSALS: Record<RotationRefusal, string> = {
  unknown: 'The refresh token is unknown',
  expired: 'The refresh token has expired; sign in again',
  revoked: 'The refresh token has been revoked',
  reused: 'The refresh token was reused after it had been rotated; the session has been revoked',
};

const INVALID_SCOPE = 'The requested scope is unknown or not allowed for this account';

/** Turns an authenticated user or a refresh token into a session's new token pair. */
@Injectable()
export class TokenIssuerService {
  private readonly logger = new Logger(TokenIssuerService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly rotation: RefreshRotationService,
    private readonly accessTokens: AccessTokenService,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottleService,
  ) {}

  async issueForLogin(user: User, client: ClientInfo, requestedScope?: string): Promise<TokenResponseDto> {
    return this.toResponse(await this.login(user, client, requestedScope, 'token'));
  }

  /**
   * A new session for a user whose password was just proven (CredentialsService), with its
   * `login_success` audit event; and the success resets the account's back-off counters of this
   * IP (contract §6), in the same statement when they live in the database.
   */
  async login(
    user: User,
    client: ClientInfo,
    requestedScope: string | undefined,
    via: 'token' | 'cookie',
  ): Promise<IssuedTokens> {
    const counters = this.throttle.countersForUser(user.id, client.ip);
    const scopes = grantScopes(requestedScope, user.roles);
    if (!scopes) {
      await this.resetCounters(counters);
      throw new OAuthError('invalid_scope', INVALID_SCOPE);
    }
    const scope = scopes.join(' ');
    const inStatement = this.throttle.countersInDatabase;
    const { session, refreshToken } = await this.sessions.create(user.id, client, this.config.refreshTokenTtl, {
      scope,
      event: this.audit.row({ type: 'login_success', userId: user.id, client, details: { via, scope } }),
      loginThrottleKeys: inStatement ? counters.map((c) => c.id) : [],
    });
    if (!inStatement) await this.resetCounters(counters);
    return this.withAccessToken(user, session, refreshToken, scopes);
  }

  /** The refresh grant; `invalid_grant` says unknown, expired, revoked or reused. */
  async refresh(refreshToken: string, client: ClientInfo, requestedScope?: string): Promise<IssuedTokens> {
    let scopes: string[] = [];
    const result = await this.rotation.rotate(refreshToken, client, (session, user) => {
      const narrowed = refreshScopes(session.scope, requestedScope, user.roles);
      if (!narrowed) throw new OAuthError('invalid_scope', INVALID_SCOPE);
      scopes = narrowed;
    });
    if (!result.ok) throw new OAuthError('invalid_grant', REFRESH_REFUSALS[result.reason]);
    return this.withAccessToken(result.user, result.session, result.refreshToken, scopes);
  }

  toResponse(issued: IssuedTokens): TokenResponseDto {
    return {
      access_token: issued.accessToken,
      token_type: 'bearer',
      expires_in: issued.expiresIn,
      refresh_token: issued.refreshToken,
      scope: issued.scopes.join(' '),
    };
  }

  // The password is proven: counters that cannot be reset now are reset by the next success.
  private async resetCounters(counters: ThrottleCounter[]): Promise<void> {
    await this.throttle
      .clear(counters)
      .catch((err: unknown) => this.logger.warn({ err }, 'Could not reset the login counters'));
  }

  private async withAccessToken(
    user: User,
    session: Session,
    refreshToken: string,
    scopes: string[],
  ): Promise<IssuedTokens> {
    const accessToken = await this.accessTokens.sign({
      userId: user.id,
      sessionId: session.id,
      email: user.email,
      roles: user.roles,
      scopes,
    });
    return { accessToken, refreshToken, expiresIn: this.accessTokens.ttlSeconds, scopes, session, user };
  }
}
