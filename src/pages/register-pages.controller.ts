import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegisterDto } from '../auth/dto/register.dto.js';
import { EmailOnlyDto, VerifyEmailDto } from '../auth/dto/email-verification.dto.js';
import { EmailVerificationService } from '../auth/email-verification.service.js';
import { RegistrationService } from '../auth/registration.service.js';
import { ClientsService } from '../clients/clients.service.js';
import { clientInfo } from '../common/client-info.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { Public } from '../common/public.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { formField } from './page-cookies.js';
import { PageCsrf } from './page-csrf.js';
import { PageExceptionFilter } from './page-exception.filter.js';
import { formAs, formRefusal } from './page-form.js';
import { PageRenderer } from './page-renderer.js';
import { safeReturnTo } from './return-to.js';

const EMAIL_MAX = 320;

function withReturnTo(path: string, params: Record<string, string>, returnTo: string | null): string {
  const query = new URLSearchParams(params);
  if (returnTo) query.set('return_to', returnTo);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** /register and /verify-email (the code of the sign-up mail, and a new one on request). */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Controller()
export class RegisterPagesController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClientsService,
    private readonly pages: PageRenderer,
    private readonly csrf: PageCsrf,
    private readonly registration: RegistrationService,
    private readonly verification: EmailVerificationService,
  ) {}

  @Public()
  @Get('register')
  async showRegister(
    @Query('return_to') returnTo: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.renderRegister(request, reply, { returnTo: await safeReturnTo(returnTo, this.clients) });
  }

  @Public()
  @RateLimited()
  @AcceptsForm()
  @Post('register')
  async register(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.csrf.check(request, body);
    const returnTo = await safeReturnTo(formField(body, 'return_to'), this.clients);
    const view = {
      returnTo,
      email: formField(body, 'email')?.slice(0, EMAIL_MAX),
      username: formField(body, 'username')?.slice(0, 64),
      displayName: formField(body, 'display_name')?.slice(0, 100),
    };
    const form = await formAs(body, RegisterDto, ['email', 'password', 'username', 'display_name']);
    if (form.errors) return this.renderRegister(request, reply, { ...view, errors: form.errors }, 400);
    try {
      const user = await this.registration.register(form.value);
      return this.pages.redirect(reply, withReturnTo('/verify-email', { email: user.email }, returnTo));
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      return this.renderRegister(request, reply, { ...view, errors: refused.errors }, refused.status);
    }
  }

  @Public()
  @Get('verify-email')
  async showVerify(
    @Query() query: { email?: unknown; return_to?: unknown; sent?: unknown },
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.renderVerify(request, reply, {
      returnTo: await safeReturnTo(query.return_to, this.clients),
      email: typeof query.email === 'string' ? query.email.slice(0, EMAIL_MAX) : undefined,
      notice: query.sent === '1' ? 'If that address has an unverified account, a new code is on its way.' : undefined,
    });
  }

  @Public()
  @RateLimited()
  @AcceptsForm()
  @Post('verify-email')
  async verify(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.csrf.check(request, body);
    const returnTo = await safeReturnTo(formField(body, 'return_to'), this.clients);
    const email = formField(body, 'email')?.slice(0, EMAIL_MAX);
    if (!formField(body, 'code')?.trim()) {
      return this.renderVerify(request, reply, { returnTo, email, errors: ['Enter the code from the email.'] }, 400);
    }
    const form = await formAs(body, VerifyEmailDto, ['email', 'code']);
    if (form.errors) return this.renderVerify(request, reply, { returnTo, email, errors: form.errors }, 400);
    try {
      const user = await this.verification.verify(form.value.email, form.value.code, clientInfo(request));
      const next = withReturnTo('/login', { notice: 'verified', login_hint: user.email }, returnTo);
      return this.pages.redirect(reply, next);
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      return this.renderVerify(request, reply, { returnTo, email, errors: refused.errors }, refused.status);
    }
  }

  @Public()
  @RateLimited()
  @AcceptsForm()
  @Post('verify-email/resend')
  async resend(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.csrf.check(request, body);
    const returnTo = await safeReturnTo(formField(body, 'return_to'), this.clients);
    const email = formField(body, 'email')?.slice(0, EMAIL_MAX);
    const form = await formAs(body, EmailOnlyDto, ['email']);
    if (form.errors) return this.renderVerify(request, reply, { returnTo, email, errors: form.errors }, 400);
    // The same answer whether or not the address has an account (as POST /auth/verify-email/resend).
    await this.verification.resend(form.value.email);
    return this.pages.redirect(reply, withReturnTo('/verify-email', { email: form.value.email, sent: '1' }, returnTo));
  }

  private async renderRegister(
    request: FastifyRequest,
    reply: FastifyReply,
    view: { returnTo: string | null; email?: string; username?: string; displayName?: string; errors?: string[] },
    status = 200,
  ): Promise<void> {
    const data = {
      title: 'Create account',
      csrf: this.csrf.token(request, reply),
      minLength: this.config.passwordMinLength,
    };
    await this.pages.render(reply, 'register', { ...data, ...view }, status);
  }

  private async renderVerify(
    request: FastifyRequest,
    reply: FastifyReply,
    view: { returnTo: string | null; email?: string; errors?: string[]; notice?: string },
    status = 200,
  ): Promise<void> {
    const data = {
      title: 'Verify your email',
      csrf: this.csrf.token(request, reply),
      otpLength: this.config.otpLength,
    };
    await this.pages.render(reply, 'verify-email', { ...data, ...view }, status);
  }
}
