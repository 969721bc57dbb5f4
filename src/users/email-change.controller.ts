import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiOAuth2,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import type { Principal } from '../common/principal.js';
import { clientInfo } from '../common/client-info.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { MessageResponseDto } from '../common/message-response.dto.js';
import { ChangeEmailDto } from './dto/change-email.dto.js';
import { EmailChangeService } from './email-change.service.js';
import { PasswordRecheck } from './password-recheck.decorator.js';
import { RequiresAal2 } from '../mfa/step-up.decorator.js';

@ApiTags('users')
@ApiBearerAuth('bearer')
@ApiOAuth2(['profile'], 'oauth2')
@ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
@Controller('users')
export class EmailChangeController {
  constructor(private readonly emailChange: EmailChangeService) {}

  @PasswordRecheck()
  @RequiresAal2()
  @Post('me/email')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask to change my email address',
    description:
      'Mails a one-time code to new_email. The address switches when the code is sent to ' +
      'POST /auth/verify-email with {email: new_email, code}; until then the old address keeps working. ' +
      'At most one code a minute and five an hour go to one address (further requests: the same 202, no mail).',
  })
  @ApiAcceptedResponse({
    type: MessageResponseDto,
    example: { message: 'A confirmation code was sent to the new address.' },
  })
  @ApiBadRequestResponse({ description: 'Invalid field, or new_email is the current address', type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: 'Wrong password', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'new_email belongs to another account', type: ErrorResponseDto })
  async requestChange(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: ChangeEmailDto,
    @Req() request: FastifyRequest,
  ): Promise<MessageResponseDto> {
    await this.emailChange.request(principal.userId, dto.new_email, dto.password, clientInfo(request));
    return { message: 'A confirmation code was sent to the new address.' };
  }
}
