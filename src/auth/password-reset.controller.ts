import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { clientInfo } from '../common/client-info.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { MessageResponseDto } from '../common/message-response.dto.js';
import { Public } from '../common/public.decorator.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { EmailOnlyDto } from './dto/email-verification.dto.js';
import { ResetPasswordDto } from './dto/password-reset.dto.js';
import { PasswordResetService } from './password-reset.service.js';

export const FORGOT_ANSWER = 'If the address belongs to an account, a password reset link is on its way.';
const RESET_ANSWER = 'Your password was changed. Sign in with the new password.';

@ApiTags('auth')
@Controller('auth')
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @Public()
  @RateLimited()
  @AcceptsForm()
  @Post('forgot-password')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a password reset link',
    description:
      'Always 202 with the same body (and similar time) for known and unknown addresses. The mail holds ' +
      'a link `${APP_URL}/reset-password?token=…` to the client app, which POSTs the token to ' +
      '/auth/reset-password, and the token as text. At most one mail a minute per address.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiAcceptedResponse({ type: MessageResponseDto, example: { message: FORGOT_ANSWER } })
  @ApiBadRequestResponse({ description: 'Missing or malformed email', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    description: 'Over 30 requests a minute from this IP (Retry-After)',
    type: ErrorResponseDto,
  })
  async forgot(@Body() dto: EmailOnlyDto, @Req() request: FastifyRequest): Promise<MessageResponseDto> {
    await this.resets.requestReset(dto.email, clientInfo(request));
    return { message: FORGOT_ANSWER };
  }

  @Public()
  @AcceptsForm()
  @Post('reset-password')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Set a new password with a reset token',
    description:
      'The token is single use and expires after RESET_TOKEN_TTL. Success signs the account out ' +
      'everywhere, kills its other reset tokens and mails a "password changed" notice.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiOkResponse({ type: MessageResponseDto, example: { message: RESET_ANSWER } })
  @ApiBadRequestResponse({
    description: 'Invalid, expired or used token, or a refused new_password (the message says why)',
    type: ErrorResponseDto,
  })
  async reset(@Body() dto: ResetPasswordDto, @Req() request: FastifyRequest): Promise<MessageResponseDto> {
    await this.resets.reset(dto.token, dto.new_password, clientInfo(request));
    return { message: RESET_ANSWER };
  }
}
