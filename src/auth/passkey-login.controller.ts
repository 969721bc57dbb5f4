import { Body, Controller, Header, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientInfo } from '../common/client-info.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { PrivateResponse } from '../common/private-response.js';
import { Public } from '../common/public.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { PasskeyLoginDto } from '../passkeys/dto/ceremony.dto.js';
import { PasskeyProofService } from '../passkeys/passkey-proof.service.js';
import { UserDto } from '../users/dto/user.dto.js';
import { setAuthCookies } from './auth-cookies.js';
import { SetsAuthCookies } from './csrf.guard.js';
import { LoginResponseDto } from './dto/login.dto.js';
import { asBrowserError } from './login-errors.js';
import { LoginService } from './login.service.js';

/** The browser's passkey login: the proof of PasskeyProofService, then LoginService.complete() and the cookies. */
@ApiTags('browser')
@Controller('auth/login')
export class PasskeyLoginController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly passkeys: PasskeyProofService,
    private readonly login: LoginService,
  ) {}

  @Public()
  @PrivateResponse()
  @RateLimited()
  @SetsAuthCookies()
  @Post('passkey')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Browser login with a passkey: sets the access_token and refresh_token cookies',
    description:
      'challenge_id from POST /auth/passkeys/authentication/options and the AuthenticationResponseJSON of ' +
      'navigator.credentials.get(). The session is aal2 with amr ["hwk","user"]. A request whose Origin is not ' +
      'APP_URL or in CORS_ORIGINS is refused (login CSRF).',
  })
  @ApiBody({ type: PasskeyLoginDto })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiBadRequestResponse({ description: 'Missing or malformed challenge_id or credential', type: ErrorResponseDto })
  @ApiUnauthorizedResponse({
    description:
      'Unknown passkey, signature that does not verify, used or expired challenge, or a signature counter that did ' +
      'not grow (cloned authenticator)',
    type: ErrorResponseDto,
  })
  @ApiForbiddenResponse({
    description: 'Email not verified, account disabled, or foreign origin',
    type: ErrorResponseDto,
  })
  @ApiNotFoundResponse({ description: 'Passkeys are off on this server', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    description:
      'Retry-After: over 30 requests a minute from this IP, or the back-off after failed logins with this passkey',
    type: ErrorResponseDto,
  })
  async passkey(
    @Body() dto: PasskeyLoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const client = clientInfo(request);
    try {
      const proof = await this.passkeys.prove(dto.challenge_id, dto.credential, client);
      const issued = await this.login.complete(proof, client, undefined, 'cookie');
      setAuthCookies(reply, this.config, {
        accessToken: issued.accessToken,
        expiresIn: issued.expiresIn,
        refreshToken: issued.refreshToken,
        sessionExpiresAt: issued.session.expiresAt,
        sessionId: issued.session.id,
        userId: issued.user.id,
      });
      return { user: UserDto.from(issued.user), expires_in: issued.expiresIn };
    } catch (error) {
      throw asBrowserError(error);
    }
  }
}
