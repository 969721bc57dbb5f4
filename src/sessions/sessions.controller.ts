import { Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOAuth2,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service.js';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import type { Principal } from '../common/principal.js';
import { clientInfo } from '../common/client-info.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { SessionDto } from './dto/session.dto.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('sessions')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@ApiOAuth2(['profile'], 'oauth2')
@ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
@ApiForbiddenResponse({
  description: 'Cookie-authenticated request from a foreign origin (CSRF)',
  type: ErrorResponseDto,
})
@Controller('auth/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'My active sessions, newest first' })
  @ApiOkResponse({ type: [SessionDto] })
  async list(@CurrentPrincipal() principal: Principal): Promise<SessionDto[]> {
    const sessions = await this.sessions.listActive(principal.userId);
    return sessions.map((s) => SessionDto.from(s, principal.sessionId));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out one of my sessions (its tokens stop working at once)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiBadRequestResponse({ description: 'The id is not a UUID', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'No such active session of mine', type: ErrorResponseDto })
  async revokeOne(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    if (!(await this.sessions.revoke(id, principal.userId, 'signed_out'))) {
      throw new NotFoundException('Session not found');
    }
    this.audit.recordLater({
      type: 'session_revoked',
      userId: principal.userId,
      sessionId: principal.sessionId,
      client: clientInfo(request),
      details: { revoked_session_id: id },
    });
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out all my other sessions (this one stays)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  async revokeOthers(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest): Promise<void> {
    const count = await this.sessions.revokeAllForUser(principal.userId, 'signed_out_elsewhere', {
      except: principal.sessionId,
    });
    this.audit.recordLater({
      type: 'sessions_revoked',
      userId: principal.userId,
      sessionId: principal.sessionId,
      client: clientInfo(request),
      details: { count },
    });
  }
}
