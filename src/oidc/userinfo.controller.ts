import { Controller, Get, HttpCode, Post, UnauthorizedException } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import type { Principal } from '../common/principal.js';
import { Scopes } from '../common/scopes.decorator.js';
import { UsersService } from '../users/users.service.js';
import { UserinfoResponseDto } from './dto/userinfo.dto.js';
import { userClaims } from './user-claims.js';

const DESCRIPTION =
  'OIDC Core 5.3. Needs an access token with the `openid` scope (Authorization: Bearer); answers `sub` and the ' +
  "claims of the token's other scopes (`email`: email, email_verified; `profile`: name, preferred_username, " +
  'updated_at) as the account is now. Errors as RFC 6750: 401 with `WWW-Authenticate: Bearer ... error="invalid_token"` ' +
  'for a bad, expired or revoked token, 403 `insufficient_scope` without `openid`. Exists only with an asymmetric ' +
  'JWT_ALGORITHM; under HS256 it answers 404.';

/** The UserInfo endpoint (registered only while OpenID Connect is on: see OidcModule). */
@ApiTags('openid-connect')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
@ApiForbiddenResponse({
  description: 'The access token lacks the openid scope (insufficient_scope)',
  type: ErrorResponseDto,
})
@Scopes('openid')
@Controller('oauth')
export class UserinfoController {
  constructor(private readonly users: UsersService) {}

  @Get('userinfo')
  @ApiOperation({ summary: 'Claims about the signed-in user (OpenID Connect UserInfo)', description: DESCRIPTION })
  @ApiOkResponse({ type: UserinfoResponseDto })
  get(@CurrentPrincipal() principal: Principal): Promise<UserinfoResponseDto> {
    return this.claims(principal);
  }

  @Post('userinfo')
  @HttpCode(200)
  @AcceptsForm()
  @ApiOperation({ summary: 'Claims about the signed-in user (POST form of the same)', description: DESCRIPTION })
  @ApiOkResponse({ type: UserinfoResponseDto })
  post(@CurrentPrincipal() principal: Principal): Promise<UserinfoResponseDto> {
    return this.claims(principal);
  }

  private async claims(principal: Principal): Promise<UserinfoResponseDto> {
    const user = await this.users.findById(principal.userId);
    // The session check already refuses a deleted account's token; this covers the race.
    if (!user) throw new UnauthorizedException('Invalid or expired access token');
    return { sub: user.id, ...userClaims(user, principal.scopes) };
  }
}
