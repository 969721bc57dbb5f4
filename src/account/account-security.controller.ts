import {
  BadRequestException,
  Body,
  Controller,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service.js';
import { clientInfo } from '../common/client-info.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { Public } from '../common/public.decorator.js';
import { PageExceptionFilter } from '../pages/page-exception.filter.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { StartTotpDto } from '../mfa/dto/mfa.dto.js';
import { type MfaActor, MfaEnrolmentService } from '../mfa/mfa-enrolment.service.js';
import { PasskeyRenameDto } from '../passkeys/dto/ceremony.dto.js';
import { PasskeysService } from '../passkeys/passkeys.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { field, parseForm } from './account-form.js';
import { AccountPage } from './account-page.js';
import type { AccountViewer } from './account-view.service.js';

/** A malformed id in the path: 400, as the API answers it. */
function uuidParam(value: string, what: string): string {
  if (!isUUID(value)) throw new BadRequestException(`${what} id must be a UUID`);
  return value;
}

function actorOf(viewer: AccountViewer, request: FastifyRequest): MfaActor {
  return { userId: viewer.user.id, sessionId: viewer.sessionId, client: clientInfo(request) };
}

/** The sessions, two-factor and passkey forms of /account (see AccountPageController). */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Public()
@Controller('account')
export class AccountSecurityController {
  constructor(
    private readonly page: AccountPage,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly mfa: MfaEnrolmentService,
    private readonly passkeys: PasskeysService,
  ) {}

  @AcceptsForm()
  @Post('sessions/:id/revoke')
  revokeSession(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<void> {
    return this.page.action(request, reply, body, { section: 'sessions' }, async (viewer) => {
      const sessionId = uuidParam(id, 'Session');
      // The current session is ended by signing out, not from this list.
      if (sessionId === viewer.sessionId) throw new BadRequestException('Use "Sign out" to end this session');
      if (!(await this.sessions.revoke(sessionId, viewer.user.id, 'signed_out'))) {
        throw new NotFoundException('Session not found');
      }
      this.audit.recordLater({
        type: 'session_revoked',
        userId: viewer.user.id,
        sessionId: viewer.sessionId,
        client: clientInfo(request),
        details: { revoked_session_id: sessionId },
      });
      return 'session_revoked';
    });
  }

  @AcceptsForm()
  @Post('sessions/revoke-others')
  revokeOthers(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    return this.page.action(request, reply, body, { section: 'sessions' }, async (viewer) => {
      const count = await this.sessions.revokeAllForUser(viewer.user.id, 'signed_out_elsewhere', {
        except: viewer.sessionId,
      });
      this.audit.recordLater({
        type: 'sessions_revoked',
        userId: viewer.user.id,
        sessionId: viewer.sessionId,
        client: clientInfo(request),
        details: { count },
      });
      return 'sessions_revoked';
    });
  }

  /** Starts a TOTP enrolment: the page answers with the QR code and the secret, shown this once. */
  @RateLimited()
  @AcceptsForm()
  @Post('mfa/totp')
  startTotp(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    return this.page.action(request, reply, body, { section: 'mfa', stepUp: true }, async (viewer) => {
      const name = field(body, 'name').trim();
      const parsed = await parseForm(StartTotpDto, name ? { name } : {});
      if (!parsed.ok) throw new BadRequestException(parsed.errors);
      const enrolment = await this.mfa.start(viewer.user.id, parsed.value.name);
      return {
        show: {
          enrolment: { factorId: enrolment.factorId, secret: enrolment.secret, qrCode: enrolment.qrCode, name },
        },
      };
    });
  }

  /** Confirms it; the confirmation that turns two-factor on shows the ten recovery codes, once. */
  @RateLimited()
  @AcceptsForm()
  @Post('mfa/totp/confirm')
  confirmTotp(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    const factorId = field(body, 'factor_id');
    return this.page.action(
      request,
      reply,
      body,
      {
        section: 'mfa',
        // A wrong code: the confirmation form again (the enrolment lives on); gone (404): start again.
        refusedExtras: (error) => (error.getStatus() === 400 && isUUID(factorId) ? { confirming: { factorId } } : {}),
      },
      async (viewer) => {
        uuidParam(factorId, 'Factor');
        const code = field(body, 'code').replace(/\s/g, '');
        if (!/^\d{6,8}$/.test(code)) throw new BadRequestException('Enter the 6-digit code your app shows');
        const { recoveryCodes } = await this.mfa.confirm(actorOf(viewer, request), factorId, code);
        return recoveryCodes ? { show: { recoveryCodes, flash: 'Two-factor authentication is on.' } } : 'factor_added';
      },
    );
  }

  @RateLimited()
  @AcceptsForm()
  @Post('mfa/recovery-codes')
  regenerateCodes(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    return this.page.action(request, reply, body, { section: 'mfa', stepUp: true }, async (viewer) => {
      const recoveryCodes = await this.mfa.regenerateRecoveryCodes(actorOf(viewer, request));
      return { show: { recoveryCodes, flash: 'New recovery codes: the old ones no longer work.' } };
    });
  }

  @AcceptsForm()
  @Post('mfa/factors/:id/delete')
  deleteFactor(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<void> {
    return this.page.action(request, reply, body, { section: 'mfa', stepUp: true }, async (viewer) => {
      await this.mfa.deleteFactor(actorOf(viewer, request), uuidParam(id, 'Factor'));
      return (await this.mfa.status(viewer.user.id)).enabled ? 'factor_removed' : 'mfa_disabled';
    });
  }

  @AcceptsForm()
  @Post('passkeys/:id/rename')
  renamePasskey(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<void> {
    return this.page.action(request, reply, body, { section: 'passkeys', stepUp: true }, async (viewer) => {
      const passkeyId = uuidParam(id, 'Passkey');
      const parsed = await parseForm(PasskeyRenameDto, { name: field(body, 'name').trim() });
      if (!parsed.ok) throw new BadRequestException(parsed.errors);
      await this.passkeys.rename(viewer.user.id, passkeyId, parsed.value.name);
      return 'passkey_renamed';
    });
  }

  @AcceptsForm()
  @Post('passkeys/:id/delete')
  deletePasskey(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<void> {
    return this.page.action(request, reply, body, { section: 'passkeys', stepUp: true }, async (viewer) => {
      const owner = { userId: viewer.user.id, sessionId: viewer.sessionId, client: clientInfo(request) };
      await this.passkeys.remove(owner, uuidParam(id, 'Passkey'));
      return 'passkey_removed';
    });
  }
}
