import { Controller, Get, NotFoundException } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
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
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@ApiOAuth2(['profile'], 'oauth2')
@ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentPrincipal() principal: Principal): Promise<UserDto> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new NotFoundException('User not found');
    return UserDto.from(user);
  }
}
