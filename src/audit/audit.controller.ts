import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiOAuth2,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import type { Principal } from '../common/principal.js';
import { Scopes } from '../common/scopes.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { AuditService } from './audit.service.js';
import { AuthEventPageDto, EventsQuery } from './dto/auth-event.dto.js';

const UNAUTHORIZED = { description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto };

/** The audit log, read side: my own security activity (admins read any user's under /users/:id/events). */
@Controller()
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('auth/events')
  @Scopes('profile')
  @ApiTags('auth')
  @ApiBearerAuth('bearer')
  @ApiCookieAuth('cookie')
  @ApiOAuth2(['profile'], 'oauth2')
  @ApiOperation({
    summary: 'My recent security activity',
    description:
      'Sign-ins (and failed ones), lockouts, sign-outs, password and email changes, admin actions on my ' +
      'account; newest first. Events are kept AUDIT_RETENTION (default 90 days).',
  })
  @ApiOkResponse({ type: AuthEventPageDto })
  @ApiBadRequestResponse({ description: 'page < 1, limit outside 1..100', type: ErrorResponseDto })
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  @ApiForbiddenResponse({ description: 'Token without the profile scope', type: ErrorResponseDto })
  async mine(@CurrentPrincipal() principal: Principal, @Query() query: EventsQuery): Promise<AuthEventPageDto> {
    return AuthEventPageDto.from(await this.audit.listForUser(principal.userId, query.page, query.limit), query);
  }
}
