import { Body, Controller, Header, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { clientInfo } from '../common/client-info.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { ErrorResponseDto, OAuthErrorResponseDto } from '../common/error-response.dto.js';
import { OAuthErrors } from '../common/oauth-errors.decorator.js';
import { PrivateResponse } from '../common/private-response.js';
import { Public } from '../common/public.decorator.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';
import { UserDto } from '../users/dto/user.dto.js';
import { RegisterDto } from './dto/register.dto.js';
import { MfaRequiredResponseDto, TokenRequestDto, TokenResponseDto } from './dto/token-response.dto.js';
import { tokenResponse } from './issued-tokens.js';
import { LocalAuthGuard, type LoginRequest, PasswordLogin } from './local-auth.guard.js';
import { LoginService } from './login.service.js';
import { RegistrationService } from './registration.service.js';
import { TokenIssuerService } from './token-issuer.service.js';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { PasskeyProofService } from '../passkeys/passkey-proof.service.js';
import { CodeGrantService } from '../authorize/code-grant.service.js';
import { ClientAuthService } from '../clients/client-auth.service.js';
import { ClientCredentialsService, type ClientTokenResponse } from './client-credentials.service.js';
import {
  AUTHORIZATION_CODE_GRANT,
  MFA_OTP_GRANT,
  MFA_PASSKEY_GRANT,
  MFA_RECOVERY_CODE_GRANT,
  PASSKEY_GRANT,
} from './token-request.js';

const MFA_REQUIRED = 'A second factor is required: send a code with the mfa_token';
const EXAMPLE_MFA_TOKEN = 'b7Qd2kV9sX1mN4pR8tY3wZ6cF0hJ5lA2eG7iK9oU1qS';

@ApiTags('auth')
@ApiExtraModels(OAuthErrorResponseDto, MfaRequiredResponseDto)
@Controller('auth')
export class AuthController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly login: LoginService,
    private readonly issuer: TokenIssuerService,
    private readonly passkeys: PasskeyProofService,
    private readonly codeGrant: CodeGrantService,
    private readonly clientAuth: ClientAuthService,
    private readonly clientCredentials: ClientCredentialsService,
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
      'The password grant ignores client credentials (Swagger UI sends an empty Basic header). A refresh token ' +
      'issued to an OAuth client needs that client: a confidential one authenticates (client_secret_basic: ' +
      'form-encoded id and secret in HTTP Basic, or client_secret_post: client_id and client_secret), a public one ' +
      'sends client_id; the wrong client is `invalid_grant`. grant_type=client_credentials (confidential clients ' +
      'registered with it) answers an access token for the client itself (`sub` = client_id, no refresh token), ' +
      "with scopes out of the client's own. Bad client credentials: 401 `invalid_client` with " +
      '`WWW-Authenticate: Basic realm="warden"`. For a user with two-factor authentication on, the right password ' +
      'answers 400 `mfa_required` with an `mfa_token` instead of tokens; the second step is this endpoint again with ' +
      `grant_type=${MFA_OTP_GRANT} (mfa_token, otp) or grant_type=${MFA_RECOVERY_CODE_GRANT} ` +
      '(mfa_token, recovery_code), which answers the token response of a new aal2 session with the scope asked in the ' +
      'first step. The mfa_token lives MFA_TOKEN_TTL (5 minutes), works once and dies after 5 wrong codes; a wrong ' +
      'code is `invalid_grant` and counts as a failed login in the back-off. A wrong password answers `invalid_grant` ' +
      'as for any account. ' +
      `grant_type=${PASSKEY_GRANT} (challenge_id from POST /auth/passkeys/authentication/options, credential: the ` +
      'AuthenticationResponseJSON as a JSON string) signs in with a passkey: an aal2 session, amr ["hwk","user"]. ' +
      'An unknown passkey, a signature that does not verify, a used or expired challenge and a signature counter ' +
      'that did not grow are `invalid_grant`; failures count in the back-off per passkey. ' +
      `For an MFA user, grant_type=${MFA_PASSKEY_GRANT} (mfa_token, challenge_id, credential) takes a passkey of the ` +
      'same user as the second step. ' +
      'grant_type=authorization_code (code, redirect_uri, code_verifier, and client_id or the client credentials of ' +
      'a confidential client) redeems a code of GET /oauth/authorize: a new session bound to the client, with the ' +
      "browser login's acr, amr and auth_time, and an `id_token` when `openid` was granted. A wrong, expired or used " +
      'code, another client, redirect_uri or code_verifier are `invalid_grant`; a code presented a second time also ' +
      'revokes the session its first use opened.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({
    type: TokenRequestDto,
    examples: {
      password: {
        value: { grant_type: 'password', username: 'alice@example.com', password: 'correct horse battery staple' },
      },
      refresh_token: {
        value: { grant_type: 'refresh_token', refresh_token: 'q0m8Yb9H1l2kq1cYp6mR3xq6zv8cJ6sX3b0KfP2rT1E' },
      },
      mfa_otp: { value: { grant_type: MFA_OTP_GRANT, mfa_token: EXAMPLE_MFA_TOKEN, otp: '123456' } },
      mfa_recovery_code: {
        value: { grant_type: MFA_RECOVERY_CODE_GRANT, mfa_token: EXAMPLE_MFA_TOKEN, recovery_code: 'k3x9p-2mfq7' },
      },
      passkey: {
        value: {
          grant_type: PASSKEY_GRANT,
          challenge_id: '3c9e6a1f-8b2d-4f70-a5c4-1d7e9b0f2a36',
          credential:
            '{"id":"q1w2e3…","rawId":"q1w2e3…","type":"public-key","response":{"clientDataJSON":"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0Iiwi…",' +
            '"authenticatorData":"SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ","signature":"MEUCIQ…",' +
            '"userHandle":"m5U1e2X7yJvQ0k9bq3m4Yv8t0zQ6w1rS2c5d8f9g0hA"},"clientExtensionResults":{}}',
        },
      },
    },
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiBadRequestResponse({
    description:
      'RFC 6749 §5.2 error (`invalid_request`, `invalid_grant`, `unsupported_grant_type`, `invalid_scope`), or, ' +
      'for the right password of a user with two-factor authentication on, `mfa_required` with the `mfa_token` ' +
      'of the second step and the `mfa_methods` it accepts (schema MfaRequiredResponseDto)',
    type: OAuthErrorResponseDto,
    examples: {
      invalid_grant: {
        summary: 'Wrong email or password',
        value: { error: 'invalid_grant', error_description: 'Invalid email or password' },
      },
      mfa_required: {
        summary: 'Right password, two-factor authentication on',
        value: {
          error: 'mfa_required',
          error_description: MFA_REQUIRED,
          mfa_token: EXAMPLE_MFA_TOKEN,
          mfa_methods: ['totp', 'recovery_code'],
        },
      },
    },
  })
  @ApiUnauthorizedResponse({
    description: '`invalid_client`: unknown client, wrong secret, or a confidential client without authentication',
    type: OAuthErrorResponseDto,
  })
  @ApiTooManyRequestsResponse({
    description:
      '`too_many_requests` with Retry-After: over 30 requests a minute from this IP, or the back-off after ' +
      'LOGIN_MAX_FAILURES failed logins (also refuses the right password while it runs)',
    type: OAuthErrorResponseDto,
  })
  async token(
    @Req() request: LoginRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto | MfaRequiredResponseDto | ClientTokenResponse> {
    const tokenRequest = request.tokenRequest!;
    const client = clientInfo(request);
    switch (tokenRequest.grant_type) {
      case 'password': {
        const outcome = await this.login.afterPassword(request.user!, client, tokenRequest.scope, 'token');
        if (!outcome.mfaRequired) return tokenResponse(outcome.issued);
        reply.status(400);
        return {
          error: 'mfa_required',
          error_description: MFA_REQUIRED,
          mfa_token: outcome.mfaToken,
          mfa_methods: outcome.methods,
        };
      }
      case MFA_OTP_GRANT:
        return tokenResponse(
          await this.login.withSecondFactor(tokenRequest.mfa_token, { otp: tokenRequest.otp }, client, 'token'),
        );
      case MFA_RECOVERY_CODE_GRANT:
        return tokenResponse(
          await this.login.withSecondFactor(
            tokenRequest.mfa_token,
            { recovery_code: tokenRequest.recovery_code },
            client,
            'token',
          ),
        );
      case MFA_PASSKEY_GRANT: {
        const passkey = {
          challenge_id: tokenRequest.challenge_id,
          credential: tokenRequest.credential as unknown as AuthenticationResponseJSON,
        };
        return tokenResponse(await this.login.withSecondFactor(tokenRequest.mfa_token, { passkey }, client, 'token'));
      }
      case PASSKEY_GRANT: {
        const credential = tokenRequest.credential as unknown as AuthenticationResponseJSON;
        const proof = await this.passkeys.prove(tokenRequest.challenge_id, credential, client);
        return tokenResponse(await this.login.complete(proof, client, tokenRequest.scope, 'token'));
      }
      case 'refresh_token': {
        const oauthClient = await this.clientAuth.authenticateIfPresented(request, request.body);
        return tokenResponse(
          await this.issuer.refresh(tokenRequest.refresh_token, client, tokenRequest.scope, oauthClient),
        );
      }
      case 'client_credentials':
        return this.clientCredentials.issue(
          await this.clientAuth.authenticate(request, request.body),
          tokenRequest.scope,
        );
      case AUTHORIZATION_CODE_GRANT:
        return this.codeGrant.exchange(request, tokenRequest, client);
    }
  }
}
