import { Inject, Injectable } from '@nestjs/common';
import { compactVerify } from 'jose';
import { JwtKeysService } from '../auth/jwt-keys.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SessionsService } from '../sessions/sessions.service.js';

/** What a verified id_token_hint says: who, for which client, which session. */
export interface LogoutHint {
  sub: string;
  aud: string;
  sid?: string;
}

export interface BrowserSessionRef {
  sessionId: string;
  userId: string;
}

/** RP-initiated logout: the hint, the browser's Warden session, and ending them. */
@Injectable()
export class LogoutService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: JwtKeysService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * An id_token of this server: signature by one of its keys (pinned algorithm, known kid),
   * `typ: JWT` (an access token is not a hint), our `iss`, a `sub` and one `aud`. Its expiry is not
   * checked (RP-Initiated Logout 1.0 section 2 asks the OP to accept expired ones: the id_token
   * lives five minutes, a logout comes hours later); the session it names may be long over, and
   * then ending it changes nothing.
   */
  async verifyHint(hint: string): Promise<LogoutHint | null> {
    try {
      const { payload, protectedHeader } = await compactVerify(
        hint,
        (header) => {
          const key = this.keys.verificationKey(header.kid, header.alg);
          if (!key) throw new Error('unknown kid or wrong algorithm for it');
          return key;
        },
        { algorithms: this.keys.algorithms.filter((alg) => alg !== 'HS256') },
      );
      if (protectedHeader.typ !== 'JWT') return null;
      const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
      const aud = Array.isArray(claims.aud) && claims.aud.length === 1 ? (claims.aud[0] as unknown) : claims.aud;
      if (claims.iss !== this.config.jwt.issuer || typeof claims.sub !== 'string' || typeof aud !== 'string') {
        return null;
      }
      return { sub: claims.sub, aud, sid: typeof claims.sid === 'string' ? claims.sid : undefined };
    } catch {
      return null;
    }
  }

  /**
   * Revokes the hint's session and the browser's (when it is the same user's: an id_token of
   * one user never ends another user's browser session). Through SessionsService, so every
   * instance refuses their tokens at once. Returns whether the browser session was ended.
   */
  async end(hint: LogoutHint | null, browser: BrowserSessionRef | null, client: ClientInfo): Promise<boolean> {
    const targets = new Map<string, string>();
    if (hint?.sid) targets.set(hint.sid, hint.sub);
    const endsBrowser = browser !== null && (hint === null || browser.userId === hint.sub);
    if (endsBrowser) targets.set(browser.sessionId, browser.userId);
    for (const [sessionId, userId] of targets) {
      if (await this.sessions.revoke(sessionId, userId, 'logout')) {
        this.audit.recordLater({ type: 'logout', userId, sessionId, client, details: { via: 'oidc_logout' } });
      }
    }
    return endsBrowser;
  }
}
