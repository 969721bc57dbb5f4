import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
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
import { PrivateResponse } from '../common/private-response.js';
import { Public } from '../common/public.decorator.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { UserDto } from '../users/dto/user.dto.js';
import { EmailOnlyDto, VerifyEmailDto } from './dto/email-verification.dto.js';
import { EmailVerificationService } from './email-verification.service.js';

const TOO_MANY = { description: 'Over 30 requests a minute from this IP (Retry-After)', type: ErrorResponseDto };

export const RESEND_ANSWER = 'If the address belongs to an unverified account, a new code is on its way.';

@ApiTags('auth')
@Controller('auth')
export class EmailVerificationController {
  constructor(private readonly verification: EmailVerificationService) {}

  @Public()
  @PrivateResponse()
  @RateLimited()
  @AcceptsForm()
  @Post('verify-email')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Verify an email address with the mailed code',
    description:
      'Redeems the code mailed at sign-up (or by resend), or the one mailed to the new address of an ' +
      'email change, which then switches the account to it. A code is single use, expires after OTP_TTL, ' +
      'and dies after 5 wrong tries.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiOkResponse({ type: UserDto, description: 'The account, now with email_verified: true' })
  @ApiBadRequestResponse({ description: 'Wrong, expired, used or dead code', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Email change: the new address was taken meanwhile', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse(TOO_MANY)
  async verify(@Body() dto: VerifyEmailDto, @Req() request: FastifyRequest): Promise<UserDto> {
    return UserDto.from(await this.verification.verify(dto.email, dto.code, clientInfo(request)));
  }

  @Public()
  @RateLimited()
  @Post('verify-email/resend')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a new verification code',
    description:
      'Always 202 with the same body, whether or not the address has an account. A new code kills the ' +
      'previous one; at most one code a minute and five an hour go to an address.',
  })
  @ApiAcceptedResponse({ type: MessageResponseDto, example: { message: RESEND_ANSWER } })
  @ApiBadRequestResponse({ description: 'Missing or malformed email', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse(TOO_MANY)
  async resend(@Body() dto: EmailOnlyDto): Promise<MessageResponseDto> {
    await this.verification.resend(dto.email);
    return { message: RESEND_ANSWER };
  }
}
