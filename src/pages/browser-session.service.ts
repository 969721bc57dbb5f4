import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AccessTokenService } from '../auth/access-token.service.js';
import { ACCESS_COOKIE, clearAuthCookies, cookieOf } from '../auth/auth-cookies.js';
import { BROWSER_SESSION_COOKIE, readBrowserSessionValue } from '../auth/browser-session-cookie.js';
import { AuditService } from '../audit/audit.service.js';
import { clientInfo } from '../common/client-info.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { SessionAcr } from '../sessions/session.entity.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';

/** The Warden session a browser is signed in with (the cookies of a cookie login). */
export interface BrowserSession {
  user: User;
  sessionId: string;
  acr: SessionAcr;
  amr: string[];
  authTime: Date;
}

/**
 * "Is this browser signed in on Warden?" for the hosted pages and /oauth/authorize. The answer
 * comes from the `warden_session` cookie (set beside the access and refresh cookies, Path=/,
 * SameSite=Lax, as long-lived as the session), else from a valid access cookie; either way the
 * session must still be live: revoked, expired, or its user disabled or deleted → null.
 */
@Injectable()
export class BrowserSessionService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly accessTokens: AccessTokenService,
    private readonly audit: AuditService,
  ) {}

  async current(request: FastifyRequest): Promise<BrowserSession | null> {
    const ids =
      readBrowserSessionValue(this.config, cookieOf(request, BROWSER_SESSION_COOKIE)) ??
      (await this.fromAccessCookie(request));
    if (!ids) return null;
    const state = await this.sessions.activeState(ids.sessionId, ids.userId);
    if (!state) return null;
    const user = await this.users.findById(ids.userId);
    if (!user || user.disabledAt) return null;
    return {
      user,
      sessionId: ids.sessionId,
      acr: state.acr,
      amr: [...state.amr],
      authTime: new Date(state.authTime),
    };
  }

  /** Signs the browser out: its session revoked (on every instance at once) and the cookies cleared. */
  async signOut(request: FastifyRequest, reply: FastifyReply): Promise<BrowserSession | null> {
    const session = await this.current(request);
    clearAuthCookies(reply, this.config);
    if (session && (await this.sessions.revoke(session.sessionId, session.user.id, 'logout'))) {
      this.audit.recordLater({
        type: 'logout',
        userId: session.user.id,
        sessionId: session.sessionId,
        client: clientInfo(request),
      });
    }
    return session;
  }

  private async fromAccessCookie(request: FastifyRequest): Promise<{ sessionId: string; userId: string } | null> {
    const token = cookieOf(request, ACCESS_COOKIE);
    if (!token) return null;
    const claims = await this.accessTokens.verify(token).catch(() => null);
    return claims?.sid ? { sessionId: claims.sid, userId: claims.sub } : null;
  }
}
