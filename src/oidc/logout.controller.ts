import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clearAuthCookies } from '../auth/auth-cookies.js';
import { UsesAuthCookies } from '../auth/csrf.guard.js';
import { ClientsService } from '../clients/clients.service.js';
import { clientInfo } from '../common/client-info.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { Public } from '../common/public.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { BrowserSessionService } from '../pages/browser-session.service.js';
import { PageCsrf } from '../pages/page-csrf.js';
import { PageExceptionFilter } from '../pages/page-exception.filter.js';
import { PageRenderer } from '../pages/page-renderer.js';
import { LogoutRequestError, type LogoutParams, parseLogoutParams, withState } from './logout-params.js';
import { type LogoutHint, LogoutService } from './logout.service.js';

const DESCRIPTION =
  'OpenID Connect RP-Initiated Logout 1.0. With a valid `id_token_hint` (an id_token of this server; an expired ' +
  "one is accepted) the session it names and the browser's Warden session of the same user are revoked at once, " +
  'the cookies cleared, then 302 to `post_logout_redirect_uri` (with `state`) when it is registered for the ' +
  'client (`client_id` or the hint\'s `aud`; exact match), else a "signed out" page. Without a hint a signed-in ' +
  'browser is asked to confirm (a form that POSTs here). A bad hint, an unregistered redirect URI or a client_id ' +
  'that does not match the hint: a 400 page, nothing changed, never a redirect. Exists only with an asymmetric ' +
  'JWT_ALGORITHM (404 under HS256).';

/** The end_session_endpoint (registered only while OpenID Connect is on: see OidcModule). */
@ApiTags('openid-connect')
@Public()
@UseFilters(PageExceptionFilter)
@Controller('oauth')
export class LogoutController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logout: LogoutService,
    private readonly clients: ClientsService,
    private readonly browserSessions: BrowserSessionService,
    private readonly pages: PageRenderer,
    private readonly csrf: PageCsrf,
  ) {}

  @Get('logout')
  @ApiOperation({ summary: 'Sign out (OpenID Connect RP-initiated logout)', description: DESCRIPTION })
  @ApiQuery({ name: 'id_token_hint', required: false })
  @ApiQuery({ name: 'post_logout_redirect_uri', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'client_id', required: false })
  @ApiProduces('text/html')
  @ApiFoundResponse({ description: 'Signed out; Location is the registered post_logout_redirect_uri with state' })
  @ApiOkResponse({ description: 'Signed-out page, or (no hint, signed in) the confirmation page' })
  async get(@Query() query: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.handle(query, request, reply, false);
  }

  @Post('logout')
  @AcceptsForm()
  @UsesAuthCookies()
  @ApiOperation({ summary: 'Sign out (the confirmation form, or an RP posting the same parameters)' })
  @ApiProduces('text/html')
  @ApiFoundResponse({ description: 'Signed out; 303 to the registered post_logout_redirect_uri with state' })
  @ApiOkResponse({ description: 'Signed-out page' })
  async post(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.handle(body, request, reply, true);
  }

  private async handle(source: unknown, request: FastifyRequest, reply: FastifyReply, posted: boolean) {
    let params: LogoutParams;
    let hint: LogoutHint | null = null;
    let redirect: string | undefined;
    try {
      params = parseLogoutParams(source);
      if (params.idTokenHint !== undefined) {
        hint = await this.logout.verifyHint(params.idTokenHint);
        if (!hint) throw new LogoutRequestError('The id_token_hint is not a valid ID token of this server.');
        if (params.clientId !== undefined && params.clientId !== hint.aud) {
          throw new LogoutRequestError('client_id does not match the audience of the id_token_hint.');
        }
      }
      redirect = await this.registeredRedirect(params, hint);
    } catch (error) {
      if (!(error instanceof LogoutRequestError)) throw error;
      return this.pages.render(
        reply,
        'error',
        { title: 'Sign-out request not accepted', message: `${error.message} Nothing was changed.` },
        400,
      );
    }
    const browser = await this.browserSessions.current(request);
    // Without a hint nothing proves that the user asked to leave: a signed-in browser confirms,
    // with a form of our own (CSRF token and Origin), so that a link alone signs nobody out.
    if (!hint && browser) {
      if (!posted) return this.confirm(request, reply, params, browser.user.email);
      this.csrf.check(request, source);
    }
    const ref = browser ? { sessionId: browser.sessionId, userId: browser.user.id } : null;
    if (await this.logout.end(hint, ref, clientInfo(request))) clearAuthCookies(reply, this.config);
    if (redirect) return this.pages.redirect(reply, withState(redirect, params.state), posted ? 303 : 302);
    return this.pages.render(reply, 'signed-out', { title: 'You are signed out' });
  }

  private confirm(request: FastifyRequest, reply: FastifyReply, params: LogoutParams, email: string) {
    const fields = (
      [
        ['client_id', params.clientId],
        ['post_logout_redirect_uri', params.postLogoutRedirectUri],
        ['state', params.state],
      ] as const
    ).filter(([, value]) => value !== undefined);
    return this.pages.render(reply, 'logout-confirm', {
      title: 'Sign out?',
      email,
      fields,
      csrf: this.csrf.token(request, reply),
    });
  }

  /** The post-logout URI, only when registered for the identified client (exact match); else an error. */
  private async registeredRedirect(params: LogoutParams, hint: LogoutHint | null): Promise<string | undefined> {
    const uri = params.postLogoutRedirectUri;
    const clientId = params.clientId ?? hint?.aud;
    if (uri === undefined) return undefined;
    if (clientId === undefined) {
      throw new LogoutRequestError(
        'post_logout_redirect_uri needs client_id or id_token_hint to name the application.',
      );
    }
    const client = await this.clients.find(clientId);
    if (!client?.postLogoutRedirectUris.includes(uri)) {
      throw new LogoutRequestError('post_logout_redirect_uri is not registered for this application.');
    }
    return uri;
  }
}
