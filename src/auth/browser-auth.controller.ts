import { Controller, Header, HttpCode, Inject, Post, Req, Res, UnauthorizedException, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service.js';
import { clientInfo } from '../common/client-info.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { OAuthError } from '../common/oauth-error.js';
import { bearerChallenge } from '../common/www-authenticate.js';
import { PrivateResponse } from '../common/private-response.js';
import { Public } from '../common/public.decorator.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { UserDto } from '../users/dto/user.dto.js';
import { accessTokenFromRequest } from './access-token-extractor.js';
import { AccessTokenService } from './access-token.service.js';
import { clearAuthCookies, cookieOf, REFRESH_COOKIE, setAuthCookies, setMfaCookie } from './auth-cookies.js';
import { SetsAuthCookies, UsesAuthCookies } from './csrf.guard.js';
import { LoginDto, LoginResponseDto, MfaRequiredLoginDto, RefreshResponseDto } from './dto/login.dto.js';
import type { IssuedTokens } from './issued-tokens.js';
import { LocalAuthGuard, type LoginRequest, PasswordLogin } from './local-auth.guard.js';
import { asBrowserError } from './login-errors.js';
import { LoginService, type PasswordOutcome } from './login.service.js';
import { TokenIssuerService } from './token-issuer.service.js';

const EXAMPLE_SET_COOKIE =
  'access_token=…; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax, ' +
  'refresh_token=…; Max-Age=2592000; Path=/auth; HttpOnly; Secure; SameSite=Strict, ' +
  'warden_session=…; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax';

/** Cookie mode for browsers: the tokens never reach JavaScript. */
@ApiTags('browser')
@Controller('auth')
export class BrowserAuthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly loginService: LoginService,
    private readonly issuer: TokenIssuerService,
    private readonly accessTokens: AccessTokenService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  @Public()
  @PrivateResponse()
  @RateLimited()
  @AcceptsForm()
  @SetsAuthCookies()
  @PasswordLogin('browser')
  @UseGuards(LocalAuthGuard)
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Browser login: sets the access_token and refresh_token cookies',
    description: `Set-Cookie: ${EXAMPLE_SET_COOKIE}. A request whose Origin is not APP_URL or in CORS_ORIGINS is refused (login CSRF).`,
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({
    type: LoginDto,
    examples: { email: { value: { email: 'alice@example.com', password: 'correct horse battery staple' } } },
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiAcceptedResponse({
    type: MfaRequiredLoginDto,
    description:
      'Right password, two-factor authentication on: no session yet. Set-Cookie: mfa_token=…; Max-Age=300; ' +
      'Path=/auth; HttpOnly; Secure; SameSite=Strict. Send the code to POST /auth/login/mfa.',
  })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password', type: ErrorResponseDto })
  @ApiForbiddenResponse({
    description: 'Email not verified, account disabled, or foreign origin',
    type: ErrorResponseDto,
  })
  @ApiTooManyRequestsResponse({
    description:
      'Retry-After: over 30 requests a minute from this IP, or the back-off after LOGIN_MAX_FAILURES failed ' +
      'logins (also refuses the right password while it runs)',
    type: ErrorResponseDto,
  })
  async login(
    @Req() request: LoginRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto | MfaRequiredLoginDto> {
    let outcome: PasswordOutcome;
    try {
      outcome = await this.loginService.afterPassword(request.user!, clientInfo(request), undefined, 'cookie');
    } catch (error) {
      throw asBrowserError(error);
    }
    if (outcome.mfaRequired) {
      setMfaCookie(reply, this.config, outcome.mfaToken);
      reply.status(202);
      return { mfa_required: true, mfa_methods: outcome.methods };
    }
    this.setCookies(reply, outcome.issued);
    return { user: UserDto.from(outcome.issued.user), expires_in: outcome.issued.expiresIn };
  }

  @Public()
  @RateLimited()
  @UsesAuthCookies()
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiCookieAuth('cookie')
  @ApiOperation({
    summary: 'Rotates the refresh_token cookie and sets a new access_token cookie',
    description: `Sends the refresh_token cookie (Path=/auth). Set-Cookie: ${EXAMPLE_SET_COOKIE}. On failure the cookies are cleared.`,
  })
  @ApiOkResponse({ type: RefreshResponseDto })
  @ApiUnauthorizedResponse({
    description: 'Missing, unknown, expired, revoked or reused refresh token; both cookies cleared',
    type: ErrorResponseDto,
  })
  @ApiForbiddenResponse({ description: 'Foreign or missing Origin (CSRF)', type: ErrorResponseDto })
  async refresh(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RefreshResponseDto> {
    const token = cookieOf(request, REFRESH_COOKIE);
    let issued: IssuedTokens;
    try {
      if (!token) throw new UnauthorizedException('No refresh_token cookie');
      issued = await this.issuer.refresh(token, clientInfo(request));
    } catch (error) {
      clearAuthCookies(reply, this.config);
      if (error instanceof OAuthError && error.code === 'invalid_grant') {
        throw new UnauthorizedException(error.description);
      }
      throw asBrowserError(error);
    }
    this.setCookies(reply, issued);
    return { expires_in: issued.expiresIn };
  }

  @Public()
  @UsesAuthCookies()
  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiCookieAuth('cookie')
  @ApiOperation({
    summary: 'Revokes the current session and clears the cookies',
    description:
      'Authenticated by the bearer header, the access_token cookie, or (when the access token has expired) the refresh_token cookie.',
  })
  @ApiNoContentResponse({ description: 'Signed out; Set-Cookie clears access_token and refresh_token' })
  @ApiUnauthorizedResponse({ description: 'No valid credentials', type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: 'Foreign or missing Origin on a cookie request (CSRF)', type: ErrorResponseDto })
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    clearAuthCookies(reply, this.config);
    const session = await this.currentSession(request);
    if (!session) {
      reply.header('WWW-Authenticate', bearerChallenge('invalid_token'));
      throw new UnauthorizedException('Invalid or expired credentials');
    }
    if (await this.sessions.revoke(session.id, session.userId, 'logout')) {
      this.audit.recordLater({
        type: 'logout',
        userId: session.userId,
        sessionId: session.id,
        client: clientInfo(request),
      });
    }
  }

  private async currentSession(request: FastifyRequest): Promise<{ id: string; userId: string } | null> {
    const accessToken = accessTokenFromRequest(request);
    if (accessToken) {
      const claims = await this.accessTokens.verify(accessToken).catch(() => null);
      if (claims) return { id: claims.sid, userId: claims.sub };
    }
    const refreshToken = cookieOf(request, REFRESH_COOKIE);
    const found = refreshToken ? await this.sessions.findByRefreshToken(refreshToken) : null;
    return found ? { id: found.session.id, userId: found.session.userId } : null;
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
