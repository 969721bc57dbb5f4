import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiFoundResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setAuthCookies, setMfaCookie } from '../auth/auth-cookies.js';
import { ClientsService } from '../clients/clients.service.js';
import { clientInfo } from '../common/client-info.js';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import type { Principal } from '../common/principal.js';
import { PrivateResponse } from '../common/private-response.js';
import { Public } from '../common/public.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { setFlash } from '../account/account-flash.js';
import { setPageMfaCookie } from '../pages/page-cookies.js';
import { PageRenderer } from '../pages/page-renderer.js';
import { safeReturnTo } from '../pages/return-to.js';
import { AuthorizationUrlDto, IdentityDto, LinkIdentityDto, ProviderDto } from './dto/federation.dto.js';
import { bindBrowser, browserBinding } from './federation-cookie.js';
import { FederationFailure } from './federation-errors.js';
import { FederationService } from './federation.service.js';
import { ProviderClients } from './provider-clients.js';

/** Where a browser goes after a sign-in or a linking when nothing (or nothing allowed) was asked for. */
const DEFAULT_RETURN_TO = '/account';

/** Sign in with another provider (docs/federation.md), and the linked providers of my account. */
@ApiTags('federation')
@Controller('auth')
export class FederationController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly federation: FederationService,
    private readonly providers: ProviderClients,
    private readonly clients: ClientsService,
    private readonly pages: PageRenderer,
  ) {}

  @Public()
  @Get('providers')
  @ApiOperation({ summary: 'The providers one can sign in with (AUTH_PROVIDERS)' })
  @ApiOkResponse({ type: [ProviderDto] })
  listProviders(): ProviderDto[] {
    return this.providers.list();
  }

  @Public()
  @Get('providers/:id/start')
  @ApiOperation({
    summary: 'Start signing in at a provider (a browser navigation)',
    description:
      'Redirects to the provider with state, nonce and a PKCE S256 challenge; the state works once, for 10 minutes, ' +
      'in this browser only (an HttpOnly cookie binds it). A provider that cannot be reached ends on /login with a message.',
  })
  @ApiQuery({ name: 'return_to', required: false, description: 'A Warden path or a registered redirect URI' })
  @ApiFoundResponse({ description: "To the provider's authorization endpoint" })
  @ApiNotFoundResponse({ description: 'No such provider', type: ErrorResponseDto })
  async start(
    @Param('id') id: string,
    @Query('return_to') returnToParam: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const provider = this.federation.provider(id);
    const returnTo = await safeReturnTo(returnToParam, this.clients);
    const binding = bindBrowser(request, reply, this.config);
    try {
      await this.pages.redirect(reply, await this.federation.start(provider, binding, returnTo), 302);
    } catch (error) {
      if (!(error instanceof FederationFailure)) throw error;
      await this.toLogin(reply, error);
    }
  }

  @Public()
  @Get('providers/:id/callback')
  @ApiOperation({
    summary: "The provider's redirect back (a browser navigation)",
    description:
      "Checks the state and the browser binding, exchanges the code, validates the id_token (or reads GitHub's API), " +
      'then signs in (a Warden browser session; the second step when MFA is on) or links, and redirects to return_to. ' +
      'Every failure redirects to /login with an error code and opens no session.',
  })
  @ApiFoundResponse({ description: 'To return_to (default /account), /mfa, or /login?error=…' })
  async callback(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    try {
      const outcome = await this.federation.callback({
        providerId: id,
        query,
        binding: browserBinding(request),
        client: clientInfo(request),
      });
      const next = outcome.returnTo ?? DEFAULT_RETURN_TO;
      if (outcome.kind === 'mfa') {
        setMfaCookie(reply, this.config, outcome.mfaToken);
        setPageMfaCookie(reply, this.config, outcome.mfaToken);
        const mfa = outcome.returnTo ? `/mfa?return_to=${encodeURIComponent(outcome.returnTo)}` : '/mfa';
        return this.pages.redirect(reply, mfa, 302);
      }
      if (outcome.kind === 'linked' && next === DEFAULT_RETURN_TO) {
        setFlash(reply, 'provider_linked', this.config.cookieSecure);
      }
      if (outcome.kind === 'session') {
        const { issued } = outcome;
        setAuthCookies(reply, this.config, {
          accessToken: issued.accessToken,
          expiresIn: issued.expiresIn,
          refreshToken: issued.refreshToken,
          sessionExpiresAt: issued.session.expiresAt,
          sessionId: issued.session.id,
          userId: issued.user.id,
        });
      }
      return this.pages.redirect(reply, next, 302);
    } catch (error) {
      if (!(error instanceof FederationFailure)) throw error;
      return this.toLogin(reply, error);
    }
  }

  @ApiBearerAuth('bearer')
  @ApiCookieAuth('cookie')
  @PrivateResponse()
  @Get('identities')
  @ApiOperation({ summary: 'My linked providers' })
  @ApiOkResponse({ type: [IdentityDto] })
  @ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
  async identities(@CurrentPrincipal() principal: Principal): Promise<IdentityDto[]> {
    return (await this.federation.list(principal.userId)).map((identity) => IdentityDto.from(identity));
  }

  @ApiBearerAuth('bearer')
  @ApiCookieAuth('cookie')
  @PrivateResponse()
  @Post('identities/:provider')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Link one more provider to my account',
    description:
      "Answers the URL to open in this browser (the response sets the flow's binding cookie). The callback links the " +
      'provider account to mine, or refuses (on /login) when it is linked to another account or I have one there already.',
  })
  @ApiOkResponse({ type: AuthorizationUrlDto })
  @ApiNotFoundResponse({ description: 'No such provider', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'A provider account of this provider is already linked', type: ErrorResponseDto })
  @ApiServiceUnavailableResponse({
    description: 'The provider cannot be reached (discovery failed)',
    type: ErrorResponseDto,
  })
  @ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
  @ApiForbiddenResponse({
    description: 'Cookie-authenticated request from a foreign origin (CSRF)',
    type: ErrorResponseDto,
  })
  async link(
    @CurrentPrincipal() principal: Principal,
    @Param('provider') providerId: string,
    @Body() body: LinkIdentityDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthorizationUrlDto> {
    const provider = this.federation.provider(providerId);
    await this.federation.assertNotLinked(principal.userId, provider.id);
    const returnTo = (await safeReturnTo(body?.return_to, this.clients)) ?? DEFAULT_RETURN_TO;
    const binding = bindBrowser(request, reply, this.config);
    try {
      return { authorization_url: await this.federation.start(provider, binding, returnTo, principal.userId) };
    } catch (error) {
      if (error instanceof FederationFailure) throw this.federation.unavailable();
      throw error;
    }
  }

  @ApiBearerAuth('bearer')
  @ApiCookieAuth('cookie')
  @Delete('identities/:provider')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unlink a provider from my account', description: 'Audited `identity_unlinked`.' })
  @ApiNoContentResponse({ description: 'Unlinked' })
  @ApiNotFoundResponse({ description: 'No identity of that provider is linked', type: ErrorResponseDto })
  @ApiConflictResponse({
    description: 'The last way to sign in (no password, no passkey, no other provider)',
    type: ErrorResponseDto,
  })
  @ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
  @ApiForbiddenResponse({
    description: 'Cookie-authenticated request from a foreign origin (CSRF)',
    type: ErrorResponseDto,
  })
  async unlink(
    @CurrentPrincipal() principal: Principal,
    @Param('provider') providerId: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.federation.unlink(principal.userId, providerId, principal.sessionId, clientInfo(request));
  }

  /**
   * The login page with the failure's message, keeping return_to so that a pending authorization
   * can go on; a failed linking goes back to the account page (the browser is signed in there).
   */
  private async toLogin(reply: FastifyReply, failure: FederationFailure): Promise<void> {
    if (failure.link) {
      setFlash(reply, 'provider_link_failed', this.config.cookieSecure);
      return this.pages.redirect(reply, `${DEFAULT_RETURN_TO}?error=${failure.code}`, 302);
    }
    const query = new URLSearchParams({ error: failure.code });
    if (failure.returnTo) query.set('return_to', failure.returnTo);
    await this.pages.redirect(reply, `/login?${query.toString()}`, 302);
  }
}
