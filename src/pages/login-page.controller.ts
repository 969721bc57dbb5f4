import { Body, Controller, Get, HttpException, Inject, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setAuthCookies, setMfaCookie } from '../auth/auth-cookies.js';
import { SetsAuthCookies } from '../auth/csrf.guard.js';
import type { IssuedTokens } from '../auth/issued-tokens.js';
import { LoginRefusedError, LoginThrottledError } from '../auth/login-errors.js';
import { LoginService } from '../auth/login.service.js';
import { ClientsService } from '../clients/clients.service.js';
import { clientInfo } from '../common/client-info.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { Public } from '../common/public.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { BrowserSessionService } from './browser-session.service.js';
import { formField, setPageMfaCookie } from './page-cookies.js';
import { PageCsrf } from './page-csrf.js';
import { PageExceptionFilter } from './page-exception.filter.js';
import { PageRenderer } from './page-renderer.js';
import { retryAfterInWords } from './retry-after.js';
import { safeReturnTo } from './return-to.js';
import { signInProviders } from './sign-in-providers.js';
import { federationErrorMessage } from '../federation/federation-errors.js';

/** Where a signed-in browser goes when nothing (or nothing allowed) was asked for. */
export const DEFAULT_RETURN_TO = '/account';

interface LoginQuery {
  return_to?: unknown;
  prompt?: unknown;
  login_hint?: unknown;
  notice?: unknown;
  /** A failed sign-in at another provider lands here with its code (federation-errors.ts). */
  error?: unknown;
}

/** Messages other pages send the browser back here with (a fixed list: nothing from the URL is shown as text). */
const NOTICES: Record<string, string> = {
  verified: 'Your email address is verified. Sign in to continue.',
  reset: 'Your password was changed. Sign in with the new one.',
  signed_out: 'You are signed out.',
};

/** /login: email or username and password, a passkey, or another provider; then back to return_to. */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Controller()
export class LoginPageController {
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
  async root(@Res() reply: FastifyReply): Promise<void> {
    await this.pages.redirect(reply, '/login', 302);
  }

  @Public()
  @Get('login')
  async show(@Query() query: LoginQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const returnTo = await safeReturnTo(query.return_to, this.clients);
    if (query.prompt !== 'login' && (await this.browserSessions.current(request))) {
      return this.pages.redirect(reply, returnTo ?? DEFAULT_RETURN_TO, 303);
    }
    const hint = typeof query.login_hint === 'string' ? query.login_hint.slice(0, 320) : undefined;
    const notice = typeof query.notice === 'string' ? NOTICES[query.notice] : undefined;
    const error = federationErrorMessage(query.error);
    await this.renderForm(request, reply, { returnTo, username: hint, notice, error });
  }

  @Public()
  @RateLimited()
  @AcceptsForm()
  @SetsAuthCookies()
  @Post('login')
  async submit(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.csrf.check(request, body);
    const returnTo = await safeReturnTo(formField(body, 'return_to'), this.clients);
    const username = formField(body, 'username')?.trim() ?? '';
    const password = formField(body, 'password') ?? '';
    if (username === '' || password === '') {
      return this.renderForm(
        request,
        reply,
        { returnTo, username, error: 'Enter your email or username and your password.' },
        400,
      );
    }
    const client = clientInfo(request);
    try {
      const proof = await this.login.checkPassword(username, password, client);
      const outcome = await this.login.afterPassword(proof, client, undefined, 'cookie');
      if (outcome.mfaRequired) {
        setMfaCookie(reply, this.config, outcome.mfaToken);
        setPageMfaCookie(reply, this.config, outcome.mfaToken);
        const query = new URLSearchParams(returnTo ? { return_to: returnTo } : {});
        // Only what the page offers: the token itself says nothing about the methods.
        if (outcome.methods.includes('passkey')) query.set('passkey', '1');
        const text = query.toString();
        return this.pages.redirect(reply, text ? `/mfa?${text}` : '/mfa', 303);
      }
      this.setCookies(reply, outcome.issued);
      return this.pages.redirect(reply, returnTo ?? DEFAULT_RETURN_TO, 303);
    } catch (error) {
      const refused = this.refusal(error, reply);
      if (!refused) throw error;
      return this.renderForm(request, reply, { returnTo, username, ...refused.view }, refused.status);
    }
  }

  /** A refused sign-in shown on the form: 401 wrong credentials, 403 unverified or disabled, 429 back-off. */
  private refusal(
    error: unknown,
    reply: FastifyReply,
  ): { status: number; view: { error: string; unverified?: boolean } } | null {
    if (error instanceof LoginThrottledError) {
      reply.header('retry-after', String(error.retryAfter));
      return {
        status: 429,
        view: { error: `Too many failed sign-in attempts. Try again in ${retryAfterInWords(error.retryAfter)}.` },
      };
    }
    if (error instanceof LoginRefusedError) {
      if (error.reason === 'bad_credentials')
        return { status: 401, view: { error: 'Wrong email, username or password.' } };
      if (error.reason === 'unverified') {
        return { status: 403, view: { error: 'Your email address is not verified yet.', unverified: true } };
      }
      return { status: 403, view: { error: 'This account is disabled.' } };
    }
    if (error instanceof HttpException && error.getStatus() === 503) {
      reply.header('retry-after', '5');
      return { status: 503, view: { error: 'Signing in is temporarily unavailable. Try again in a few seconds.' } };
    }
    return null;
  }

  private async renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    view: { returnTo: string | null; username?: string; error?: string; unverified?: boolean; notice?: string },
    status = 200,
  ): Promise<void> {
    const passkeys = this.config.webauthn !== undefined;
    await this.pages.render(
      reply,
      'login',
      {
        title: 'Sign in',
        csrf: this.csrf.token(request, reply),
        ...view,
        passkeys,
        providers: signInProviders(view.returnTo, this.config.authProviders),
        scripts: passkeys ? ['/assets/simplewebauthn-browser.js', '/assets/passkey-button.js'] : [],
      },
      status,
    );
  }

  private setCookies(reply: FastifyReply, issued: IssuedTokens): void {
    setAuthCookies(reply, this.config, {
      accessToken: issued.accessToken,
      expiresIn: issued.expiresIn,
      refreshToken: issued.refreshToken,
      sessionExpiresAt: issued.session.expiresAt,
      sessionId: issued.session.id,
      userId: issued.user.id,
    });
  }
}
