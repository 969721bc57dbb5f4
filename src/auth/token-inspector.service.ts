import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { ClientTokenStateService } from '../clients/client-token-state.service.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { SessionState } from '../sessions/session-state.cache.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { UserCacheService } from '../users/user-cache.service.js';
import { UsersService } from '../users/users.service.js';
import { type AccessTokenClaims, AccessTokenService, InvalidAccessTokenError } from './access-token.service.js';

/** RFC 7662 §2.2 answer; `{active: false}` says nothing more, whatever the reason. */
export interface IntrospectionResult {
  active: boolean;
  sub?: string;
  sid?: string;
  scope?: string;
  exp?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
  jti?: string;
  token_type?: 'bearer';
  email?: string;
  roles?: string[];
  acr?: string;
  amr?: string[];
  auth_time?: number;
  client_id?: string;
}

const INACTIVE: IntrospectionResult = { active: false };

/**
 * Recognises a token we issued: a JWT access token (verified) or an opaque refresh token (by its
 * hash). Serves revocation (RFC 7009) and introspection (RFC 7662); `token_type_hint` is only an
 * optimisation there, and telling the kinds apart by shape is cheaper than honouring it.
 */
@Injectable()
export class TokenInspectorService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly accessTokens: AccessTokenService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly userCache: UserCacheService,
    private readonly clientTokens: ClientTokenStateService,
  ) {}

  /** Revokes the session the token belongs to; silently nothing for anything else. */
  async revoke(token: string, client: ClientInfo): Promise<void> {
    let target: { sessionId: string; userId: string } | undefined;
    if (looksLikeJwt(token)) {
      const claims = await this.verifiedClaims(token);
      if (claims) target = { sessionId: claims.sid, userId: claims.sub };
    } else {
      const found = await this.sessions.findByRefreshToken(token);
      if (found) target = { sessionId: found.session.id, userId: found.session.userId };
    }
    if (target && (await this.sessions.revoke(target.sessionId, target.userId, 'revoked'))) {
      this.audit.recordLater({
        type: 'session_revoked',
        userId: target.userId,
        sessionId: target.sessionId,
        client,
        details: { via: 'revocation_endpoint' },
      });
    }
  }

  async introspect(token: string): Promise<IntrospectionResult> {
    if (looksLikeJwt(token)) {
      const client = await this.clientToken(token);
      if (client) return client;
      const claims = await this.verifiedClaims(token);
      const session = claims ? await this.sessions.activeState(claims.sid, claims.sub) : null;
      if (!claims || !session) return INACTIVE;
      // The token's email and roles are what they were at login; a resource server asking us
      // wants what they are now.
      const user = await this.userCache.get(claims.sub, () => this.users.findById(claims.sub));
      if (!user) return INACTIVE;
      return {
        active: true,
        sub: claims.sub,
        sid: claims.sid,
        scope: claims.scope,
        exp: claims.exp,
        iat: claims.iat,
        iss: claims.iss,
        aud: claims.aud,
        jti: claims.jti,
        token_type: 'bearer',
        email: user.email,
        roles: user.roles,
        ...assurance(session),
      };
    }
    // A refresh token is active while it is the unused end of its family and its session lives.
    const found = await this.sessions.findByRefreshToken(token);
    if (!found || found.token.rotatedAt !== null) return INACTIVE;
    const { session } = found;
    const state = await this.sessions.activeState(session.id, session.userId);
    if (!state) return INACTIVE;
    return {
      active: true,
      sub: session.userId,
      sid: session.id,
      ...(session.scope !== null ? { scope: session.scope } : {}),
      exp: Math.floor(session.expiresAt.getTime() / 1000),
      iat: Math.floor(found.token.createdAt.getTime() / 1000),
      iss: this.config.jwt.issuer,
      ...assurance(state),
    };
  }

  /** A live client_credentials token's answer, INACTIVE for a dead one, null when it is not one. */
  private async clientToken(token: string): Promise<IntrospectionResult | null> {
    let verified;
    try {
      verified = await this.accessTokens.verifyAny(token);
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) return null;
      throw error;
    }
    if (verified.kind !== 'client') return null;
    const { claims } = verified;
    const scopes = claims.scope ? claims.scope.split(' ') : [];
    const live = await this.clientTokens.isActive({
      clientId: claims.client_id,
      generation: claims.client_gen,
      scopes,
    });
    if (!live) return INACTIVE;
    return {
      active: true,
      sub: claims.sub,
      client_id: claims.client_id,
      scope: claims.scope,
      exp: claims.exp,
      iat: claims.iat,
      iss: claims.iss,
      aud: claims.aud,
      jti: claims.jti,
      token_type: 'bearer',
    };
  }

  private async verifiedClaims(token: string): Promise<AccessTokenClaims | null> {
    try {
      return await this.accessTokens.verify(token);
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) return null;
      throw error;
    }
  }
}

/**
 * The session's assurance as it is now, like email and roles: a token issued before a step-up
 * answers aal2 once its session is raised, as Warden's own step-up check judges it.
 */
function assurance(state: SessionState): Pick<IntrospectionResult, 'acr' | 'amr' | 'auth_time'> {
  return { acr: state.acr, amr: [...state.amr], auth_time: Math.floor(state.authTime / 1000) };
}

function looksLikeJwt(token: string): boolean {
  return token.split('.').length === 3;
}
