import { Controller, Delete, HttpCode, Param, ParseUUIDPipe, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOAuth2,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { clientInfo } from '../common/client-info.js';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import type { Principal } from '../common/principal.js';
import { Roles } from '../common/roles.decorator.js';
import { Scopes } from '../common/scopes.decorator.js';
import { MfaResetService } from './mfa-reset.service.js';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
@ApiForbiddenResponse({
  description: 'Not an admin, or the token lacks the scope (WWW-Authenticate: error="insufficient_scope")',
  type: ErrorResponseDto,
})
@Roles('admin')
@Controller('users')
export class MfaAdminController {
  constructor(private readonly reset: MfaResetService) {}

  @Delete(':id/mfa')
  @HttpCode(204)
  @Scopes('users:write')
  @ApiOAuth2(['users:write'], 'oauth2')
  @ApiOperation({
    summary: "Reset a user's two-factor authentication",
    description:
      'Removes every factor and recovery code of the user and revokes every session; the user is mailed a ' +
      'notice and signs in with the password alone until they enrol again. A user without MFA is left as is.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'User id (not a UUID → 400)' })
  @ApiNoContentResponse({ description: 'Reset (or nothing to reset)' })
  @ApiBadRequestResponse({ description: 'Malformed id', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'No such user', type: ErrorResponseDto })
  async resetMfa(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.reset.reset(id, { userId: principal.userId, client: clientInfo(request) });
  }
}
