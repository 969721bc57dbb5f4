import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOAuth2,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AcceptsClientTokens } from '../common/client-tokens.decorator.js';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import type { Principal } from '../common/principal.js';
import { Roles } from '../common/roles.decorator.js';
import { Scopes } from '../common/scopes.decorator.js';
import { AuditService } from '../audit/audit.service.js';
import { AuthEventPageDto, EventsQuery } from '../audit/dto/auth-event.dto.js';
import { clientInfo } from '../common/client-info.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { AdminUpdateUserDto, ListUsersQuery, UserPageDto } from './dto/admin-users.dto.js';
import { UserDto } from './dto/user.dto.js';
import { UserAdminService } from './user-admin.service.js';

const ID_PARAM = { name: 'id', format: 'uuid', description: 'User id (not a UUID → 400)' };
const NOT_FOUND = { description: 'No such user', type: ErrorResponseDto };
const LAST_ADMIN = { description: 'Would leave the system without an enabled admin', type: ErrorResponseDto };

/**
 * Admin API. Every route needs the `admin` role (checked against the database, see RolesGuard)
 * and the matching scope: `users:read` to look, `users:write` to change.
 */
@ApiTags('admin')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
@ApiForbiddenResponse({
  description: 'Not an admin, or the token lacks the scope (WWW-Authenticate: error="insufficient_scope")',
  type: ErrorResponseDto,
})
@Roles('admin')
@Controller('users')
export class AdminUsersController {
  constructor(
    private readonly admin: UserAdminService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @AcceptsClientTokens()
  @Scopes('users:read')
  @ApiOAuth2(['users:read'], 'oauth2')
  @ApiOperation({ summary: 'List users, newest first, optionally filtered by an email substring' })
  @ApiOkResponse({ type: UserPageDto })
  @ApiBadRequestResponse({ description: 'page < 1, limit outside 1..100', type: ErrorResponseDto })
  async list(@Query() query: ListUsersQuery): Promise<UserPageDto> {
    const { items, total } = await this.admin.list(query.page, query.limit, query.email);
    return { items: items.map((user) => UserDto.from(user)), total, page: query.page, limit: query.limit };
  }

  @Get(':id')
  @AcceptsClientTokens()
  @Scopes('users:read')
  @ApiOAuth2(['users:read'], 'oauth2')
  @ApiOperation({ summary: 'One user' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: 'Malformed id', type: ErrorResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<UserDto> {
    return UserDto.from(await this.admin.get(id));
  }

  @Get(':id/events')
  @Scopes('users:read')
  @ApiOAuth2(['users:read'], 'oauth2')
  @ApiOperation({ summary: "A user's security activity, newest first" })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: AuthEventPageDto })
  @ApiBadRequestResponse({ description: 'page < 1, limit outside 1..100, or a malformed id', type: ErrorResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async events(@Param('id', ParseUUIDPipe) id: string, @Query() query: EventsQuery): Promise<AuthEventPageDto> {
    await this.admin.assertExists(id);
    return AuthEventPageDto.from(await this.audit.listForUser(id, query.page, query.limit), query);
  }

  @Patch(':id')
  @Scopes('users:write')
  @ApiOAuth2(['users:write'], 'oauth2')
  @ApiOperation({
    summary: 'Change roles, disabled or email_verified',
    description: 'Disabling revokes every session of the user. `user` is always kept in roles.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: 'Malformed id, unknown role or field', type: ErrorResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse(LAST_ADMIN)
  async update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AdminUpdateUserDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<UserDto> {
    const user = await this.admin.update(
      id,
      { roles: dto.roles, disabled: dto.disabled, emailVerified: dto.email_verified },
      { userId: principal.userId, client: clientInfo(request) },
    );
    return UserDto.from(user);
  }

  @Delete(':id')
  @HttpCode(204)
  @Scopes('users:write')
  @ApiOAuth2(['users:write'], 'oauth2')
  @ApiOperation({ summary: 'Delete a user, its sessions and tokens (hard delete)' })
  @ApiParam(ID_PARAM)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse({ description: 'Malformed id', type: ErrorResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse(LAST_ADMIN)
  async remove(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.admin.delete(id, { userId: principal.userId, client: clientInfo(request) });
  }
}
