import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiConsumes,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOAuth2,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { clientInfo } from '../common/client-info.js';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import type { Principal } from '../common/principal.js';
import { Scopes } from '../common/scopes.decorator.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import {
  ConfirmTotpDto,
  ConfirmTotpResponseDto,
  MfaFactorDto,
  MfaStatusDto,
  RecoveryCodesDto,
  StartTotpDto,
  TotpEnrolmentDto,
} from './dto/mfa.dto.js';
import { type MfaActor, MfaEnrolmentService } from './mfa-enrolment.service.js';
import { RequiresAal2 } from './step-up.decorator.js';

const error = (statusCode: number, errorName: string, message: string) => ({
  statusCode,
  error: errorName,
  message,
  request_id: '8b7c1f0e-2f4a-4c55-9d0e-3f9a1c2b7d64',
});

const actorOf = (principal: Principal, request: FastifyRequest): MfaActor => ({
  userId: principal.userId,
  sessionId: principal.sessionId,
  client: clientInfo(request),
});

@ApiTags('mfa')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@ApiOAuth2(['profile'], 'oauth2')
@ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
@ApiForbiddenResponse({
  description: 'Token without the profile scope, or a cookie-authenticated request from a foreign origin (CSRF)',
  type: ErrorResponseDto,
})
@Scopes('profile')
@Controller('auth/mfa')
export class MfaController {
  constructor(private readonly enrolment: MfaEnrolmentService) {}

  @RateLimited()
  @AcceptsForm()
  @RequiresAal2()
  @Post('totp')
  @HttpCode(201)
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiOperation({
    summary: 'Start enrolling an authenticator app (TOTP)',
    description:
      'Returns a new secret as base32, as an otpauth:// URI and as a QR code (SVG data URL) to scan. ' +
      'The factor counts only once POST /auth/mfa/totp/confirm accepts a code from it; until then it is ' +
      'not listed, and it dies after 10 minutes, after 5 wrong codes, or when another enrolment starts.',
  })
  @ApiCreatedResponse({ type: TotpEnrolmentDto })
  @ApiBadRequestResponse({
    description: 'name longer than 64 characters, or an unknown field',
    type: ErrorResponseDto,
    example: error(400, 'Bad Request', 'name must be shorter than or equal to 64 characters'),
  })
  async start(@CurrentPrincipal() principal: Principal, @Body() dto: StartTotpDto): Promise<TotpEnrolmentDto> {
    const enrolment = await this.enrolment.start(principal.userId, dto.name);
    return {
      factor_id: enrolment.factorId,
      secret: enrolment.secret,
      otpauth_uri: enrolment.otpauthUri,
      qr_code: enrolment.qrCode,
    };
  }

  @RateLimited()
  @AcceptsForm()
  @Post('totp/confirm')
  @HttpCode(200)
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiOperation({
    summary: 'Confirm an enrolment with a code from the authenticator app',
    description:
      'The confirmation that turns MFA on returns 10 recovery codes (shown once; later confirmations return ' +
      'recovery_codes: null), mails a notice and records mfa_enabled. The code used here cannot be used again.',
  })
  @ApiOkResponse({ type: ConfirmTotpResponseDto })
  @ApiBadRequestResponse({
    description: 'Wrong code (counts: the 5th wrong code ends the enrolment), or a malformed field',
    type: ErrorResponseDto,
    example: error(400, 'Bad Request', 'Invalid code'),
  })
  @ApiNotFoundResponse({
    description: 'No enrolment in progress with this factor_id (unknown, confirmed, expired, ended or not mine)',
    type: ErrorResponseDto,
    example: error(404, 'Not Found', 'No enrolment in progress with this factor_id'),
  })
  async confirm(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: ConfirmTotpDto,
    @Req() request: FastifyRequest,
  ): Promise<ConfirmTotpResponseDto> {
    const { factor, recoveryCodes } = await this.enrolment.confirm(
      actorOf(principal, request),
      dto.factor_id,
      dto.code,
    );
    return { factor: MfaFactorDto.from(factor), recovery_codes: recoveryCodes };
  }

  @Get()
  @ApiOperation({ summary: 'My two-factor status: on or off, my confirmed factors, recovery codes left' })
  @ApiOkResponse({
    type: MfaStatusDto,
    example: {
      enabled: true,
      factors: [
        {
          id: '7d0c5b8e-3f41-4a2b-9c6d-1e2f3a4b5c6d',
          type: 'totp',
          name: 'Phone',
          created_at: '2026-01-01T12:00:00.000Z',
          last_used_at: '2026-01-02T08:30:00.000Z',
        },
      ],
      recovery_codes_remaining: 9,
    },
  })
  async status(@CurrentPrincipal() principal: Principal): Promise<MfaStatusDto> {
    const status = await this.enrolment.status(principal.userId);
    return {
      enabled: status.enabled,
      factors: status.factors.map((factor) => MfaFactorDto.from(factor)),
      recovery_codes_remaining: status.recoveryCodesRemaining,
    };
  }

  @RequiresAal2()
  @Delete('factors/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove one of my factors',
    description: 'Removing the last one turns MFA off: the recovery codes are deleted and a notice is mailed.',
  })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiBadRequestResponse({
    description: 'The id is not a UUID',
    type: ErrorResponseDto,
    example: error(400, 'Bad Request', 'Validation failed (uuid is expected)'),
  })
  @ApiNotFoundResponse({
    description: 'No confirmed factor of mine with this id',
    type: ErrorResponseDto,
    example: error(404, 'Not Found', 'Factor not found'),
  })
  async deleteFactor(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.enrolment.deleteFactor(actorOf(principal, request), id);
  }

  @RateLimited()
  @AcceptsForm()
  @RequiresAal2()
  @Post('recovery-codes')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replace my recovery codes by 10 new ones',
    description: 'The old codes stop working at once. Each code works once; input ignores case and the hyphen.',
  })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiConflictResponse({
    description: 'Two-factor authentication is off',
    type: ErrorResponseDto,
    example: error(409, 'Conflict', 'Two-factor authentication is off; confirm a factor first'),
  })
  async regenerate(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<RecoveryCodesDto> {
    return { recovery_codes: await this.enrolment.regenerateRecoveryCodes(actorOf(principal, request)) };
  }
}
