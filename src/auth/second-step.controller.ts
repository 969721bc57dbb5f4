import { Body, Controller, Header, HttpCode, Inject, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCookieAuth,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientInfo } from '../common/client-info.js';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { OAuthError } from '../common/oauth-error.js';
import type { Principal } from '../common/principal.js';
import { PrivateResponse } from '../common/private-response.js';
import { Public } from '../common/public.decorator.js';
import { bearerToken } from '../common/bearer-token.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { UserDto } from '../users/dto/user.dto.js';
import { clearMfaCookie, cookieOf, MFA_COOKIE, setAuthCookies } from './auth-cookies.js';
import { UsesAuthCookies } from './csrf.guard.js';
import { LoginResponseDto, SecondFactorDto, secondFactorCode } from './dto/login.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';
import { type IssuedTokens, tokenResponse } from './issued-tokens.js';
import { asBrowserError } from './login-errors.js';
import { LoginService } from './login.service.js';
import { StepUpService } from './step-up.service.js';

const CODE_EXAMPLES = {
  otp: { summary: 'A TOTP code', value: { otp: '123456' } },
  recovery_code: { summary: 'A recovery code', value: { recovery_code: 'k3x9p-2mfq7' } },
};

/** The second factor of a cookie login, and step-up of a session that exists. */
@ApiTags('mfa')
@Controller('auth')
export class SecondStepController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly login: LoginService,
    private readonly stepUp: StepUpService,
  ) {}

  @Public()
  @PrivateResponse()
  @RateLimited()
  @AcceptsForm()
  @UsesAuthCookies()
  @Post('login/mfa')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiCookieAuth('cookie')
  @ApiOperation({
    summary: 'Second step of the cookie login: a TOTP or recovery code',
    description:
      'Sends the `mfa_token` cookie that POST /auth/login set (202) for a user with two-factor authentication on. ' +
      'A right code answers like a password login: `{user, expires_in}` and the access_token and refresh_token ' +
      'cookies of a new aal2 session; the mfa_token cookie is cleared. The mfa_token works once, lives ' +
      'MFA_TOKEN_TTL and dies after 5 wrong codes; a wrong code counts as a failed login in the back-off. ' +
      'Origin must be APP_URL or in CORS_ORIGINS.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ type: SecondFactorDto, examples: CODE_EXAMPLES })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiBadRequestResponse({ description: 'Neither or both of otp and recovery_code', type: ErrorResponseDto })
  @ApiUnauthorizedResponse({
    description: 'Wrong or replayed code, or no live mfa_token cookie (used, expired, out of attempts)',
    type: ErrorResponseDto,
  })
  @ApiForbiddenResponse({ description: 'Foreign or missing Origin (CSRF)', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    description: 'Retry-After: over 30 requests a minute from this IP, or the login back-off',
    type: ErrorResponseDto,
  })
  async loginSecondStep(
    @Body() dto: SecondFactorDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const code = secondFactorCode(dto);
    const mfaToken = cookieOf(request, MFA_COOKIE);
    if (!mfaToken) throw new UnauthorizedException('No mfa_token cookie: sign in with POST /auth/login first');
    let issued: IssuedTokens;
    try {
      issued = await this.login.withSecondFactor(mfaToken, code, clientInfo(request), 'cookie');
    } catch (error) {
      if (error instanceof OAuthError && error.code === 'invalid_grant') {
        throw new UnauthorizedException(error.description);
      }
      throw asBrowserError(error);
    }
    clearMfaCookie(reply, this.config);
    this.setCookies(reply, issued);
    return { user: UserDto.from(issued.user), expires_in: issued.expiresIn };
  }

  @PrivateResponse()
  @RateLimited()
  @AcceptsForm()
  @Post('mfa/verify')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth('bearer')
  @ApiCookieAuth('cookie')
  @ApiExtraModels(TokenResponseDto, LoginResponseDto)
  @ApiOperation({
    summary: 'Step-up: raise the current session to aal2 with a TOTP or recovery code',
    description:
      'For the routes that answer 401 `insufficient_user_authentication`. A bearer caller gets a token response ' +
      'for the same session (its refresh token rotated: the previous one stops being the current one); a cookie ' +
      'caller gets `{user, expires_in}` and new cookies. A wrong code answers 400 "Invalid code", counts as a ' +
      'failed login in the back-off and changes nothing else.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ type: SecondFactorDto, examples: CODE_EXAMPLES })
  @ApiOkResponse({
    description: 'Raised: tokens (bearer caller) or the user and new cookies (cookie caller)',
    schema: { oneOf: [{ $ref: getSchemaPath(TokenResponseDto) }, { $ref: getSchemaPath(LoginResponseDto) }] },
  })
  @ApiBadRequestResponse({
    description: 'Wrong or replayed code ("Invalid code"), neither or both fields, or MFA is not on',
    type: ErrorResponseDto,
  })
  @ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: 'Foreign or missing Origin on a cookie request (CSRF)', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    description: 'Retry-After: over 30 requests a minute from this IP, or the login back-off',
    type: ErrorResponseDto,
  })
  async verify(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: SecondFactorDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto | LoginResponseDto> {
    const code = secondFactorCode(dto);
    const bearer = bearerToken(request) !== undefined;
    const issued = await this.stepUp.raise(principal, code, clientInfo(request), bearer ? 'token' : 'cookie');
    if (bearer) return tokenResponse(issued);
    this.setCookies(reply, issued);
    return { user: UserDto.from(issued.user), expires_in: issued.expiresIn };
  }

  private setCookies(reply: FastifyReply, issued: IssuedTokens): void {
    setAuthCookies(reply, this.config, {
      accessToken: issued.accessToken,
      expiresIn: issued.expiresIn,
      refreshToken: issued.refreshToken,
      sessionExpiresAt: issued.session.expiresAt,
      sessionId: issued.session.id,
      userId: issued.user.id,
    });
  }
}
