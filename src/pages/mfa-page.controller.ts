import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clearMfaCookie, setAuthCookies } from '../auth/auth-cookies.js';
import { LoginThrottledError } from '../auth/login-errors.js';
import { LoginService, MFA_TOKEN_INVALID } from '../auth/login.service.js';
import type { SecondFactorCode } from '../auth/second-factor.service.js';
import { ClientsService } from '../clients/clients.service.js';
import { clientInfo } from '../common/client-info.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { OAuthError } from '../common/oauth-error.js';
import { Public } from '../common/public.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { BrowserSessionService } from './browser-session.service.js';
import { DEFAULT_RETURN_TO } from './login-page.controller.js';
import { clearPageMfaCookie, formField, pageMfaToken } from './page-cookies.js';
import { PageCsrf } from './page-csrf.js';
import { PageExceptionFilter } from './page-exception.filter.js';
import { PageRenderer } from './page-renderer.js';
import { retryAfterInWords } from './retry-after.js';
import { safeReturnTo } from './return-to.js';

const EXPIRED = 'This sign-in has expired or was already completed. Sign in again.';

/** /mfa: the pending second step of a sign-in on /login (TOTP, recovery code, or a passkey). */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Controller('mfa')
export class MfaPageController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClientsService,
    private readonly pages: PageRenderer,
    private readonly csrf: PageCsrf,
    private readonly browserSessions: BrowserSessionService,
    private readonly login: LoginService,
  ) {}

  @Public()
  @Get()
  async show(
    @Query() query: { return_to?: unknown; passkey?: unknown },
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const returnTo = await safeReturnTo(query.return_to, this.clients);
    if (!pageMfaToken(request)) {
      // Nothing pending: a signed-in browser goes on, anyone else starts at /login.
      if (await this.browserSessions.current(request)) return this.pages.redirect(reply, returnTo ?? DEFAULT_RETURN_TO);
      return this.pages.redirect(reply, returnTo ? `/login?return_to=${encodeURIComponent(returnTo)}` : '/login');
    }
    await this.renderForm(request, reply, { returnTo, passkey: query.passkey === '1' });
  }

  @Public()
  @RateLimited()
  @AcceptsForm()
  @Post()
  async submit(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.csrf.check(request, body);
    const returnTo = await safeReturnTo(formField(body, 'return_to'), this.clients);
    const otp = formField(body, 'otp')?.trim();
    const recovery = formField(body, 'recovery_code')?.trim();
    const view = { returnTo, passkey: false, recoveryOpen: recovery !== undefined };
    if (!otp === !recovery || (otp ?? recovery)!.length > 64) {
      return this.renderForm(
        request,
        reply,
        { ...view, error: 'Enter the code from your authenticator app or a recovery code.' },
        400,
      );
    }
    const mfaToken = pageMfaToken(request);
    if (!mfaToken) return this.renderForm(request, reply, { ...view, error: EXPIRED, expired: true }, 401);
    const code: SecondFactorCode = otp ? { otp } : { recovery_code: recovery! };
    try {
      const issued = await this.login.withSecondFactor(mfaToken, code, clientInfo(request), 'cookie');
      clearMfaCookie(reply, this.config);
      clearPageMfaCookie(reply, this.config);
      setAuthCookies(reply, this.config, {
        accessToken: issued.accessToken,
        expiresIn: issued.expiresIn,
        refreshToken: issued.refreshToken,
        sessionExpiresAt: issued.session.expiresAt,
        sessionId: issued.session.id,
        userId: issued.user.id,
      });
      return this.pages.redirect(reply, returnTo ?? DEFAULT_RETURN_TO);
    } catch (error) {
      if (error instanceof LoginThrottledError) {
        reply.header('retry-after', String(error.retryAfter));
        const error429 = `Too many failed attempts. Try again in ${retryAfterInWords(error.retryAfter)}.`;
        return this.renderForm(request, reply, { ...view, error: error429 }, 429);
      }
      if (error instanceof OAuthError && error.code === 'invalid_grant') {
        const dead = error.description === MFA_TOKEN_INVALID;
        if (dead) {
          clearMfaCookie(reply, this.config);
          clearPageMfaCookie(reply, this.config);
        }
        const message = dead ? EXPIRED : 'That code is not right, or it was already used. Try again.';
        return this.renderForm(request, reply, { ...view, error: message, expired: dead }, 401);
      }
      throw error;
    }
  }

  private async renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    view: { returnTo: string | null; passkey: boolean; recoveryOpen?: boolean; error?: string; expired?: boolean },
    status = 200,
  ): Promise<void> {
    const passkey = view.passkey && this.config.webauthn !== undefined;
    await this.pages.render(
      reply,
      'mfa',
      {
        title: 'Two-step verification',
        csrf: this.csrf.token(request, reply),
        ...view,
        passkey,
        scripts: passkey ? ['/assets/simplewebauthn-browser.js', '/assets/passkey-button.js'] : [],
      },
      status,
    );
  }
}
