import { Body, Controller, Header, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { clientInfo } from '../common/client-info.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { ErrorResponseDto, OAuthErrorResponseDto } from '../common/error-response.dto.js';
import { OAuthErrors } from '../common/oauth-errors.decorator.js';
import { PrivateResponse } from '../common/private-response.js';
import { Public } from '../common/public.decorator.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { UserDto } from '../users/dto/user.dto.js';
import { RegisterDto } from './dto/register.dto.js';
import { TokenRequestDto, TokenResponseDto } from './dto/token-response.dto.js';
import { tokenResponse } from './issued-tokens.js';
import { LocalAuthGuard, type LoginRequest, PasswordLogin } from './local-auth.guard.js';
import { LoginService } from './login.service.js';
import { RegistrationService } from './registration.service.js';
import { TokenIssuerService } from './token-issuer.service.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly login: LoginService,
    private readonly issuer: TokenIssuerService,
  ) {}

  @Public()
  @PrivateResponse()
  @RateLimited()
  @AcceptsForm()
  @Post('register')
  @ApiOperation({ summary: 'Create an unverified account' })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiCreatedResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: 'Invalid field or refused password', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Email or username already taken', type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    description: 'Over 30 requests a minute from this IP (Retry-After)',
    type: ErrorResponseDto,
  })
  async register(@Body() dto: RegisterDto): Promise<UserDto> {
    return UserDto.from(await this.registration.register(dto));
  }

  @Public()
  @RateLimited()
  @OAuthErrors()
  @AcceptsForm()
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @PasswordLogin('token')
  @UseGuards(LocalAuthGuard)
  @ApiOperation({
    summary: 'OAuth2 token endpoint (RFC 6749)',
    description:
      'grant_type=password (first-party clients only, as RFC 9700 advises) or grant_type=refresh_token. ' +
      'HTTP Basic client credentials are ignored.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenRequestDto })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiBadRequestResponse({ description: 'RFC 6749 §5.2 error', type: OAuthErrorResponseDto })
  @ApiTooManyRequestsResponse({
    description:
      '`too_many_requests` with Retry-After: over 30 requests a minute from this IP, or the back-off after ' +
      'LOGIN_MAX_FAILURES failed logins (also refuses the right password while it runs)',
    type: OAuthErrorResponseDto,
  })
  async token(@Req() request: LoginRequest): Promise<TokenResponseDto> {
    const tokenRequest = request.tokenRequest!;
    const client = clientInfo(request);
    if (tokenRequest.grant_type === 'password') {
      return tokenResponse(await this.login.complete(request.user!, client, tokenRequest.scope, 'token'));
    }
    return tokenResponse(await this.issuer.refresh(tokenRequest.refresh_token, client, tokenRequest.scope));
  }
}
