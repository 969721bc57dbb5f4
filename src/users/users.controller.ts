import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Patch, Put, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOAuth2,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import type { Principal } from '../common/principal.js';
import { Scopes } from '../common/scopes.decorator.js';
import { clientInfo } from '../common/client-info.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { AccountService } from './account.service.js';
import { ChangePasswordDto, DeleteAccountDto } from './dto/password.dto.js';
import { UpdateMeDto } from './dto/update-me.dto.js';
import { UserDto } from './dto/user.dto.js';
import { UserCacheService } from './user-cache.service.js';
import { UsersService } from './users.service.js';
import { PasswordRecheck } from './password-recheck.decorator.js';
import { RequiresAal2 } from '../mfa/step-up.decorator.js';

@ApiTags('users')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@ApiOAuth2(['profile'], 'oauth2')
@ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
@ApiForbiddenResponse({ description: 'Token without the profile scope, or wrong password', type: ErrorResponseDto })
@Scopes('profile')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly account: AccountService,
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

  @Patch('me')
  @ApiOperation({ summary: 'Change my username or display name (nothing else is writable here)' })
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: 'Invalid or unknown field (roles, email_verified...)', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Username already taken', type: ErrorResponseDto })
  async updateMe(@CurrentPrincipal() principal: Principal, @Body() dto: UpdateMeDto): Promise<UserDto> {
    const user = await this.account.updateProfile(principal.userId, {
      username: dto.username,
      displayName: dto.display_name,
    });
    return UserDto.from(user);
  }

  @PasswordRecheck()
  @RequiresAal2()
  @Put('me/password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change my password; my other sessions are revoked, this one stays' })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiBadRequestResponse({ description: 'New password refused (the message says why)', type: ErrorResponseDto })
  async changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: ChangePasswordDto,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.account.changePassword(principal, dto.current_password, dto.new_password, clientInfo(request));
  }

  @PasswordRecheck()
  @RequiresAal2()
  @Delete('me')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete my account, its sessions and tokens (hard delete; the email can register again)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiConflictResponse({ description: 'I am the last enabled admin', type: ErrorResponseDto })
  async deleteMe(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: DeleteAccountDto,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.account.deleteAccount(principal.userId, dto.password, clientInfo(request));
  }
}
