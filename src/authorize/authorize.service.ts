import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { grantScopes, OIDC_SCOPES } from '../auth/scopes.js';
import { ClientsService } from '../clients/clients.service.js';
import type { OAuthClient } from '../clients/oauth-client.entity.js';
import { redirectUriMatches } from '../clients/redirect-uris.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { oidcEnabled } from '../oidc/oidc-availability.js';
import type { BrowserSession } from '../pages/browser-session.service.js';
import { AuthorizationCodesService } from './authorization-codes.service.js';
import {
  AuthorizeError,
  type AuthorizeParams,
  authorizeQuery,
  parseAuthorizeRequest,
  type RawParams,
  redirectTarget,
  responseUrl,
  stateOf,
} from './authorize-request.js';
import { ConsentsService } from './consents.service.js';

/** A short tag of a browser session for the login round trip (not the session id itself). */
export function sessionTag(sessionId: string): string {
  return createHash('sha256').update(`warden-prior-login:${sessionId}`).digest('base64url').slice(0, 22);
}

/** What the endpoint answers: a 400 page, a redirect (to the client, /login or /consent). */
export type AuthorizeOutcome = { kind: 'page'; message: string } | { kind: 'redirect'; location: string };

export const AUTHORIZE_PATH = '/oauth/authorize';
export const CONSENT_PATH = '/consent';

const UNKNOWN_CLIENT = 'The application that sent you here is not registered with this server.';
const WRONG_REDIRECT = 'The address the application asked to return to is not registered for it.';

/**
 * The authorization endpoint's decisions (RFC 6749 4.1, OIDC Core 3.1.2): who the client is and
 * where it may be answered first (never redirected when wrong), then the request, the browser
 * session (login, freshness), the scopes, consent, and the code.
 */
@Injectable()
export class AuthorizeService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClientsService,
    private readonly codes: AuthorizationCodesService,
    private readonly consents: ConsentsService,
  ) {}

  async authorize(raw: RawParams, session: BrowserSession | null): Promise<AuthorizeOutcome> {
    const target = redirectTarget(raw);
    if (typeof target === 'string') return { kind: 'page', message: target };
    const registered = await this.clients.find(target.clientId);
    if (!registered) return { kind: 'page', message: UNKNOWN_CLIENT };
    if (!redirectUriMatches(registered.redirectUris, target.redirectUri))
      return { kind: 'page', message: WRONG_REDIRECT };
    let params: AuthorizeParams;
    try {
      params = parseAuthorizeRequest(raw, target);
      if (!registered.grantTypes.includes('authorization_code')) {
        throw new AuthorizeError('unauthorized_client', 'This client may not use the authorization code grant');
      }
    } catch (error) {
      if (error instanceof AuthorizeError) return this.error(target.redirectUri, error, stateOf(raw));
      throw error;
    }
    return this.decide(params, registered, session);
  }

  /** The answer of /consent: a code (Allow) or access_denied (Deny); null when the request is gone. */
  async answerConsent(requestId: string, allow: boolean, session: BrowserSession): Promise<AuthorizeOutcome | null> {
    const params = await this.consents.answer(requestId, session.user.id);
    if (!params) return null;
    const registered = await this.clients.find(params.clientId);
    if (!registered || !redirectUriMatches(registered.redirectUris, params.redirectUri)) {
      return { kind: 'page', message: UNKNOWN_CLIENT };
    }
    const scopes = (params.scope ?? '').split(' ').filter(Boolean);
    if (!allow) {
      return this.error(
        params.redirectUri,
        new AuthorizeError('access_denied', 'The user denied the request'),
        params.state,
      );
    }
    await this.consents.grant(session.user.id, registered.id, scopes);
    return this.issue(params, scopes, session);
  }

  private async decide(
    params: AuthorizeParams,
    registered: OAuthClient,
    session: BrowserSession | null,
  ): Promise<AuthorizeOutcome> {
    const login = this.loginNeeded(params, session);
    if (login) {
      if (params.prompt.includes('none')) {
        return this.error(params.redirectUri, new AuthorizeError('login_required', login.reason), params.state);
      }
      return { kind: 'redirect', location: this.loginLocation(params, login.prior) };
    }
    const user = session!.user;
    const scopes = this.scopesFor(params, registered, session!);
    if (!scopes) {
      return this.error(
        params.redirectUri,
        new AuthorizeError('invalid_scope', 'The requested scope is unknown or not allowed for this client or account'),
        params.state,
      );
    }
    const asked = params.prompt.includes('consent') || !(await this.consents.covers(user.id, registered.id, scopes));
    if (!registered.firstParty && asked) {
      if (params.prompt.includes('none')) {
        return this.error(
          params.redirectUri,
          new AuthorizeError('consent_required', 'The user has not allowed this client yet'),
          params.state,
        );
      }
      const id = await this.consents.pend(user.id, { ...params, scope: scopes.join(' ') });
      return { kind: 'redirect', location: `${CONSENT_PATH}?request=${id}` };
    }
    return this.issue(params, scopes, session!);
  }

  /**
   * Whether the hosted login must run first: no session; `prompt=login`; `max_age` passed; or
   * the return from the login that one of these asked for with the same browser session as
   * before (the user came back without signing in). A session other than the prior one is a
   * login made since: it is fresh, whatever the clock says, so the round trip cannot loop.
   */
  private loginNeeded(
    params: AuthorizeParams,
    session: BrowserSession | null,
  ): { reason: string; prior: string | null } | null {
    if (!session) return { reason: 'The user is not signed in', prior: null };
    const current = sessionTag(session.sessionId);
    if (params.priorLogin !== null) {
      return params.priorLogin === current ? { reason: 'A new sign-in is required', prior: current } : null;
    }
    if (params.prompt.includes('login')) return { reason: 'A new sign-in is required', prior: current };
    const age = Math.floor((Date.now() - session.authTime.getTime()) / 1000);
    if (params.maxAge !== null && age > params.maxAge) {
      return { reason: 'The sign-in is older than max_age', prior: current };
    }
    return null;
  }

  private loginLocation(params: AuthorizeParams, prior: string | null): string {
    const returnTo = `${AUTHORIZE_PATH}?${authorizeQuery(params, {
      prompt: params.prompt.filter((prompt) => prompt !== 'login'),
      priorLogin: prior,
    })}`;
    const query = new URLSearchParams({ return_to: returnTo });
    if (prior !== null) query.set('prompt', 'login');
    if (params.loginHint !== null) query.set('login_hint', params.loginHint);
    return `/login?${query.toString()}`;
  }

  /**
   * The scope asked (or, when none is, the client's registered scopes): every one known and
   * registered for the client, then what the user's roles allow (grantScopes).
   */
  private scopesFor(params: AuthorizeParams, registered: OAuthClient, session: BrowserSession): string[] | null {
    // Under HS256 there is no OpenID Connect (no id_token, no userinfo): its scopes are unknown,
    // and left out of the client's default.
    const oidc = oidcEnabled(this.config);
    const asked =
      params.scope === null
        ? registered.scopes.filter((scope) => oidc || !Object.hasOwn(OIDC_SCOPES, scope))
        : params.scope.split(' ');
    if (asked.length === 0) return null;
    if (asked.some((scope) => !registered.scopes.includes(scope))) return null;
    if (!oidc && asked.some((scope) => Object.hasOwn(OIDC_SCOPES, scope))) return null;
    return grantScopes(asked.join(' '), session.user.roles);
  }

  private async issue(params: AuthorizeParams, scopes: string[], session: BrowserSession): Promise<AuthorizeOutcome> {
    const code = await this.codes.issue({
      clientId: params.clientId,
      userId: session.user.id,
      redirectUri: params.redirectUri,
      codeChallenge: params.codeChallenge,
      nonce: params.nonce,
      scope: scopes.join(' '),
      acr: session.acr,
      amr: session.amr,
      authTime: session.authTime,
    });
    return {
      kind: 'redirect',
      location: responseUrl(params.redirectUri, { code, state: params.state, iss: this.config.jwt.issuer }),
    };
  }

  private error(redirectUri: string, error: AuthorizeError, state: string | null): AuthorizeOutcome {
    return {
      kind: 'redirect',
      location: responseUrl(redirectUri, {
        error: error.error,
        error_description: error.description,
        state,
        iss: this.config.jwt.issuer,
      }),
    };
  }
}
