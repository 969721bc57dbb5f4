import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EmailOnlyDto } from '../auth/dto/email-verification.dto.js';
import { ResetPasswordDto } from '../auth/dto/password-reset.dto.js';
import { PasswordResetService } from '../auth/password-reset.service.js';
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

const SENT =
  'If an account uses that address, a link to reset the password is on its way. It works for a limited time.';
const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

/**
 * /forgot-password and /reset-password?token=… (the link of the reset mail). The GET of the link
 * only shows the form, with the token in a hidden field: mail scanners open links, and only the
 * POST of the form uses the token.
 */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Controller()
export class PasswordPagesController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pages: PageRenderer,
    private readonly csrf: PageCsrf,
    private readonly resets: PasswordResetService,
  ) {}

  @Public()
  @Get('forgot-password')
  async showForgot(
    @Query('sent') sent: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.renderForgot(request, reply, { notice: sent === '1' ? SENT : undefined });
  }

  @Public()
  @RateLimited()
  @AcceptsForm()
  @Post('forgot-password')
  async forgot(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.csrf.check(request, body);
    const form = await formAs(body, EmailOnlyDto, ['email']);
    if (form.errors) {
      return this.renderForgot(
        request,
        reply,
        { email: formField(body, 'email')?.slice(0, 320), errors: form.errors },
        400,
      );
    }
    // The same answer, in about the same time, for known and unknown addresses.
    await this.resets.requestReset(form.value.email, clientInfo(request));
    return this.pages.redirect(reply, '/forgot-password?sent=1');
  }

  @Public()
  @Get('reset-password')
  async showReset(
    @Query('token') token: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (typeof token !== 'string' || !TOKEN.test(token)) {
      return this.renderReset(request, reply, { errors: ['This reset link is incomplete. Ask for a new one.'] }, 400);
    }
    await this.renderReset(request, reply, { token });
  }

  @Public()
  @RateLimited()
  @AcceptsForm()
  @Post('reset-password')
  async reset(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.csrf.check(request, body);
    const token = formField(body, 'token');
    const shownToken = token && TOKEN.test(token) ? token : undefined;
    const form = await formAs(body, ResetPasswordDto, ['token', 'new_password']);
    if (form.errors) return this.renderReset(request, reply, { token: shownToken, errors: form.errors }, 400);
    if (formField(body, 'confirm_password') !== form.value.new_password) {
      return this.renderReset(request, reply, { token: shownToken, errors: ['The two passwords do not match.'] }, 400);
    }
    try {
      await this.resets.reset(form.value.token, form.value.new_password, clientInfo(request));
    } catch (error) {
      const refused = formRefusal(error);
      if (!refused) throw error;
      return this.renderReset(request, reply, { token: shownToken, errors: refused.errors }, refused.status);
    }
    return this.pages.redirect(reply, '/login?notice=reset');
  }

  private async renderForgot(
    request: FastifyRequest,
    reply: FastifyReply,
    view: { email?: string; errors?: string[]; notice?: string },
    status = 200,
  ): Promise<void> {
    await this.pages.render(
      reply,
      'forgot-password',
      { title: 'Reset your password', csrf: this.csrf.token(request, reply), ...view },
      status,
    );
  }

  private async renderReset(
    request: FastifyRequest,
    reply: FastifyReply,
    view: { token?: string; errors?: string[] },
    status = 200,
  ): Promise<void> {
    const data = {
      title: 'Choose a new password',
      csrf: this.csrf.token(request, reply),
      minLength: this.config.passwordMinLength,
    };
    await this.pages.render(reply, 'reset-password', { ...data, ...view }, status);
  }
}
