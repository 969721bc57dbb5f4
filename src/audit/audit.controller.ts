import { Controller, Get, NotFoundException, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOAuth2,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { Scopes } from '../auth/scopes.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { User } from '../users/user.entity.js';
import { AuditService } from './audit.service.js';
import { AuthEventDto, AuthEventPageDto, EventsQuery } from './dto/auth-event.dto.js';

const UNAUTHORIZED = { description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto };
const BAD_PAGE = { description: 'page < 1, limit outside 1..100, or a malformed id', type: ErrorResponseDto };

/** The audit log, read side: my own security activity, and any user's for admins. */
@Controller()
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

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
  @ApiBadRequestResponse(BAD_PAGE)
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  @ApiForbiddenResponse({ description: 'Token without the profile scope', type: ErrorResponseDto })
  mine(@CurrentPrincipal() principal: Principal, @Query() query: EventsQuery): Promise<AuthEventPageDto> {
    return this.page(principal.userId, query);
  }

  @Get('users/:id/events')
  @Roles('admin')
  @Scopes('users:read')
  @ApiTags('admin')
  @ApiBearerAuth('bearer')
  @ApiOAuth2(['users:read'], 'oauth2')
  @ApiOperation({ summary: "A user's security activity, newest first" })
  @ApiParam({ name: 'id', format: 'uuid', description: 'User id (not a UUID → 400)' })
  @ApiOkResponse({ type: AuthEventPageDto })
  @ApiBadRequestResponse(BAD_PAGE)
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  @ApiForbiddenResponse({ description: 'Not an admin, or the token lacks users:read', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'No such user', type: ErrorResponseDto })
  async ofUser(@Param('id', ParseUUIDPipe) id: string, @Query() query: EventsQuery): Promise<AuthEventPageDto> {
    if (!(await this.dataSource.getRepository(User).existsBy({ id }))) throw new NotFoundException('User not found');
    return this.page(id, query);
  }

  private async page(userId: string, query: EventsQuery): Promise<AuthEventPageDto> {
    const { items, total } = await this.audit.listForUser(userId, query.page, query.limit);
    return { items: items.map((event) => AuthEventDto.from(event)), total, page: query.page, limit: query.limit };
  }
}
