import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Req,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { clientInfo } from '../common/client-info.js';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import type { Principal } from '../common/principal.js';
import { PrivateResponse } from '../common/private-response.js';
import { Public } from '../common/public.decorator.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { RequiresAal2 } from '../mfa/step-up.decorator.js';
import {
  AuthenticationOptionsDto,
  AuthenticationOptionsResponseDto,
  PasskeyRegistrationDto,
  PasskeyRenameDto,
  RegistrationOptionsResponseDto,
} from './dto/ceremony.dto.js';
import { PasskeyDto } from './dto/passkey.dto.js';
import { PasskeyProofService } from './passkey-proof.service.js';
import { PasskeysService } from './passkeys.service.js';

const NOT_ENABLED = 'Passkeys are off on this server (APP_URL on an IP address and no WEBAUTHN_* setting)';

@ApiTags('passkeys')
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
@ApiForbiddenResponse({
  description: 'Cookie-authenticated request from a foreign origin (CSRF)',
  type: ErrorResponseDto,
})
@Controller('auth/passkeys')
export class PasskeysController {
  constructor(
    private readonly passkeys: PasskeysService,
    private readonly proofs: PasskeyProofService,
  ) {}

  @RequiresAal2()
  @PrivateResponse()
  @Post('registration/options')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start registering a passkey',
    description:
      'The options for navigator.credentials.create(): a discoverable credential with user verification, no ' +
      'attestation, ES256/EdDSA/RS256, the passkeys I have excluded. The challenge works once, for me, for 5 minutes.',
  })
  @ApiOkResponse({ type: RegistrationOptionsResponseDto })
  @ApiNotFoundResponse({ description: NOT_ENABLED, type: ErrorResponseDto })
  async registrationOptions(@CurrentPrincipal() principal: Principal): Promise<RegistrationOptionsResponseDto> {
    return this.passkeys.registrationOptions(principal.userId);
  }

  @RequiresAal2()
  @PrivateResponse()
  @Post('registration')
  @ApiOperation({
    summary: 'Register a passkey',
    description:
      'Verifies the credential against the challenge: type webauthn.create, an origin in WEBAUTHN_ORIGINS, the RP ID ' +
      'hash, user presence and verification, an allowed algorithm. Mails a notice; audited `passkey_added`.',
  })
  @ApiBody({ type: PasskeyRegistrationDto })
  @ApiCreatedResponse({ type: PasskeyDto })
  @ApiBadRequestResponse({
    description: 'Invalid body, unknown/expired/used challenge, or a credential that does not verify; nothing stored',
    type: ErrorResponseDto,
  })
  @ApiConflictResponse({ description: 'This credential is already registered', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: NOT_ENABLED, type: ErrorResponseDto })
  async register(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: PasskeyRegistrationDto,
    @Req() request: FastifyRequest,
  ): Promise<PasskeyDto> {
    const owner = { userId: principal.userId, sessionId: principal.sessionId, client: clientInfo(request) };
    return PasskeyDto.from(await this.passkeys.register(owner, dto.challenge_id, dto.credential, dto.name));
  }

  @PrivateResponse()
  @Get()
  @ApiOperation({ summary: 'My passkeys, oldest first' })
  @ApiOkResponse({ type: [PasskeyDto] })
  async list(@CurrentPrincipal() principal: Principal): Promise<PasskeyDto[]> {
    return (await this.passkeys.list(principal.userId)).map((p) => PasskeyDto.from(p));
  }

  @RequiresAal2()
  @PrivateResponse()
  @Patch(':id')
  @ApiOperation({ summary: 'Rename one of my passkeys' })
  @ApiBody({ type: PasskeyRenameDto, examples: { rename: { value: { name: 'Work laptop' } } } })
  @ApiOkResponse({ type: PasskeyDto })
  @ApiBadRequestResponse({
    description: 'The id is not a UUID, or the name is missing or too long',
    type: ErrorResponseDto,
  })
  @ApiNotFoundResponse({ description: 'No such passkey of mine', type: ErrorResponseDto })
  async rename(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: PasskeyRenameDto,
  ): Promise<PasskeyDto> {
    return PasskeyDto.from(await this.passkeys.rename(principal.userId, id, dto.name));
  }

  @RequiresAal2()
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete one of my passkeys', description: 'Audited `passkey_removed`.' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse({ description: 'The id is not a UUID', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'No such passkey of mine', type: ErrorResponseDto })
  @ApiConflictResponse({
    description: 'The last passkey of an account with no password and no other provider (the last way to sign in)',
    type: ErrorResponseDto,
  })
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.passkeys.remove(
      { userId: principal.userId, sessionId: principal.sessionId, client: clientInfo(request) },
      id,
    );
  }

  @Public()
  @RateLimited()
  @Post('authentication/options')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Start a passkey login',
    description:
      'The options for navigator.credentials.get(): no allowCredentials (discoverable credentials, so conditional ' +
      'UI / autofill works), user verification required. Finish with POST /auth/token ' +
      '(grant_type=urn:warden:params:oauth:grant-type:passkey) or POST /auth/login/passkey within 5 minutes.',
  })
  @ApiBody({ type: AuthenticationOptionsDto, required: false, examples: { empty: { value: {} } } })
  @ApiOkResponse({ type: AuthenticationOptionsResponseDto })
  @ApiNotFoundResponse({ description: NOT_ENABLED, type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    description: 'Over 30 requests a minute from this IP (Retry-After)',
    type: ErrorResponseDto,
  })
  async authenticationOptions(@Body() body: unknown): Promise<AuthenticationOptionsResponseDto> {
    // No fields are defined yet (an empty class would trip forbidUnknownValues): any field is unknown.
    const fields = body !== null && typeof body === 'object' ? Object.keys(body) : [];
    if (fields.length > 0) throw new BadRequestException(fields.map((f) => `property ${f} should not exist`));
    return this.proofs.authenticationOptions();
  }
}
