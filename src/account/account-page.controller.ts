import { BadRequestException, Body, Controller, Get, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientInfo } from '../common/client-info.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import type { Principal } from '../common/principal.js';
import { Public } from '../common/public.decorator.js';
import { PageExceptionFilter } from '../pages/page-exception.filter.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { AccountService } from '../users/account.service.js';
import { ChangeEmailDto } from '../users/dto/change-email.dto.js';
import { ChangePasswordDto } from '../users/dto/password.dto.js';
import { UpdateMeDto } from '../users/dto/update-me.dto.js';
import { EmailChangeService } from '../users/email-change.service.js';
import { field, parseForm } from './account-form.js';
import { AccountPage, LOGIN_URL } from './account-page.js';
import type { AccountViewer } from './account-view.service.js';

/** The principal the account services expect, for the page's browser session. */
export function principalOf(viewer: AccountViewer): Principal {
  return {
    userId: viewer.user.id,
    sessionId: viewer.sessionId,
    email: viewer.user.email,
    roles: viewer.user.roles,
    scopes: ['profile'],
    acr: viewer.acr,
  };
}

/** A form refused by the API's own DTO rules: 400 with the same messages. */
async function validForm<T extends object>(dto: new () => T, body: unknown): Promise<T> {
  const parsed = await parseForm(dto, body);
  if (!parsed.ok) throw new BadRequestException(parsed.errors);
  return parsed.value;
}

/**
 * GET /account and the profile, email and password forms. HTML only (not in the OpenAPI
 * document): every form posts here, each action is its own handler, each answers 303 to /account.
 */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Public()
@Controller('account')
export class AccountPageController {
  constructor(
    private readonly page: AccountPage,
    private readonly account: AccountService,
    private readonly emailChange: EmailChangeService,
  ) {}

  @Get()
  async show(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const viewer = await this.page.viewer(request);
    if (!viewer) return this.page.redirect(reply, LOGIN_URL);
    return this.page.show(request, reply, viewer);
  }

  @AcceptsForm()
  @Post('sign-out')
  signOut(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    return this.page.signOut(request, reply, body);
  }

  @AcceptsForm()
  @Post('profile')
  profile(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    return this.page.action(
      request,
      reply,
      body,
      { section: 'profile', keep: ['username', 'display_name'] },
      async (viewer) => {
        // An emptied field removes the value, as null does in PATCH /users/me.
        const fields = { ...(body as Record<string, unknown>) };
        const clearUsername = typeof fields.username === 'string' && fields.username.trim() === '';
        if (clearUsername) delete fields.username;
        const dto = await validForm(UpdateMeDto, fields);
        await this.account.updateProfile(viewer.user.id, {
          username: clearUsername ? null : dto.username,
          displayName: 'display_name' in fields ? (dto.display_name ?? null) : undefined,
        });
        return 'profile_saved';
      },
    );
  }

  @RateLimited()
  @AcceptsForm()
  @Post('email')
  requestEmail(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    return this.page.action(
      request,
      reply,
      body,
      { section: 'email', stepUp: true, keep: ['new_email'] },
      async (viewer) => {
        const dto = await validForm(ChangeEmailDto, body);
        await this.emailChange.request(viewer.user.id, dto.new_email, dto.password, clientInfo(request));
        return 'email_code_sent';
      },
    );
  }

  @RateLimited()
  @AcceptsForm()
  @Post('email/confirm')
  confirmEmail(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    return this.page.action(request, reply, body, { section: 'email' }, async (viewer) => {
      const code = field(body, 'code').trim();
      if (!/^\d{4,10}$/.test(code)) throw new BadRequestException(['code must be the digits from the mail']);
      const pending = await this.emailChange.pending(viewer.user.id);
      if (!pending) throw new BadRequestException('Invalid or expired code');
      await this.emailChange.confirmOwn(viewer.user.id, pending.email, code, clientInfo(request));
      return 'email_changed';
    });
  }

  @RateLimited()
  @AcceptsForm()
  @Post('password')
  password(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    return this.page.action(request, reply, body, { section: 'password', stepUp: true }, async (viewer) => {
      // The form's hidden username field is for password managers only.
      const { username: _username, ...fields } = { ...(body as Record<string, unknown>) };
      const dto = await validForm(ChangePasswordDto, fields);
      await this.account.changePassword(
        principalOf(viewer),
        dto.current_password,
        dto.new_password,
        clientInfo(request),
      );
      return 'password_changed';
    });
  }
}
