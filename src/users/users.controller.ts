import { Controller, Get, NotFoundException } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOAuth2,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { UserDto } from './dto/user.dto.js';
import { UserCacheService } from './user-cache.service.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth('bearer')
@ApiOAuth2(['profile'], 'oauth2')
@ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly cache: UserCacheService,
  ) {}

  @Get('me')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentPrincipal() principal: Principal): Promise<UserDto> {
    // The hot path of every client: served from the instance's cache when it can (no query).
    const user = await this.cache.get(principal.userId, () => this.users.findById(principal.userId));
    if (!user) throw new NotFoundException('User not found');
    return user;
  }
}
