import {
  BadRequestException,
  Body,
  Controller,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientInfo } from '../common/client-info.js';
import { ErrorResponseDto, OAuthErrorResponseDto } from '../common/error-response.dto.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { OAuthError } from '../common/oauth-error.js';
import { OAuthErrors } from '../common/oauth-errors.decorator.js';
import { Public } from '../common/public.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { bearerToken } from '../common/bearer-token.js';
import { sameSecret } from '../common/secrets.js';
import { bearerChallenge } from '../common/www-authenticate.js';
import { IntrospectionResponseDto, TokenParamDto } from './dto/introspection.dto.js';
import { type IntrospectionResult, TokenInspectorService } from './token-inspector.service.js';

const MAX_TOKEN_LENGTH = 8192;

/** The `token` parameter, or undefined when absent, duplicated or not a string. */
function tokenParam(body: unknown): string | undefined {
  const value = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).token : undefined;
  return typeof value === 'string' && value !== '' && value.length <= MAX_TOKEN_LENGTH ? value : undefined;
}

/** Revocation (RFC 7009) and introspection (RFC 7662) for clients and resource servers. */
@ApiTags('auth')
@Public()
@Controller('auth')
export class OAuthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly inspector: TokenInspectorService,
  ) {}

  @AcceptsForm()
  @OAuthErrors()
  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Revoke a token (RFC 7009)',
    description:
      'A refresh token or an access token: the session it belongs to is revoked and every token of it stops working ' +
      'at once. Always 200 with an empty body for any token value, also an unknown or invalid one (RFC 7009 §2.2); ' +
      'a request without a `token` parameter is malformed: 400 `invalid_request` (RFC 7009 §2.2.1).',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenParamDto })
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke (empty body)' })
  @ApiBadRequestResponse({
    description: '`invalid_request`: no `token` parameter, or not a single string',
    type: OAuthErrorResponseDto,
  })
  async revoke(@Body() body: unknown, @Req() request: FastifyRequest): Promise<void> {
    const value = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).token : undefined;
    if (typeof value !== 'string' || value === '') {
      throw new OAuthError('invalid_request', 'Missing parameter: token (one string)');
    }
    const token = tokenParam(body);
    if (token) await this.inspector.revoke(token, clientInfo(request));
  }

  @AcceptsForm()
  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth('introspection')
  @ApiOperation({
    summary: 'Introspect a token (RFC 7662)',
    description:
      'For resource servers that must honour revocation before a token expires. Authenticate with ' +
      '`Authorization: Bearer <INTROSPECTION_SECRET>`. Answers `{"active": false}` for anything invalid, expired or ' +
      'revoked. A refresh token is active while it is unused and its session lives (no token_type). The route ' +
      'answers 404 while INTROSPECTION_SECRET is not set.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenParamDto })
  @ApiOkResponse({
    type: IntrospectionResponseDto,
    examples: {
      active: {
        summary: 'A live access token',
        value: {
          active: true,
          sub: '4f6c1a9e-2b7d-4d51-9a53-0f2b8f9e3c11',
          sid: '0b6f1d2e-7c3a-4e59-8f10-2a4b6c8d0e12',
          scope: 'profile',
          exp: 1767270600,
          iat: 1767269700,
          iss: 'https://auth.example.com',
          aud: 'warden',
          jti: '5f0c8a51-6a37-4f7e-9a1e-2d4b8c6e0f13',
          token_type: 'bearer',
          email: 'alice@example.com',
          roles: ['user'],
          acr: 'aal1',
          amr: ['pwd'],
          auth_time: 1767269700,
        },
      },
      inactive: { summary: 'Invalid, expired or revoked', value: { active: false } },
    },
  })
  @ApiBadRequestResponse({ description: 'No token parameter', type: ErrorResponseDto })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong INTROSPECTION_SECRET', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'INTROSPECTION_SECRET is not set', type: ErrorResponseDto })
  async introspect(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IntrospectionResult> {
    this.authenticateCaller(request, reply);
    const token = tokenParam(body);
    if (!token) throw new BadRequestException(['token is required']);
    return this.inspector.introspect(token);
  }

  private authenticateCaller(request: FastifyRequest, reply: FastifyReply): void {
    const secret = this.config.introspectionSecret;
    if (!secret) throw new NotFoundException('Introspection is not enabled on this server');
    const presented = bearerToken(request) ?? /^Bearer +(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (presented && sameSecret(presented, secret)) return;
    reply.header('WWW-Authenticate', bearerChallenge(presented ? 'invalid_token' : undefined));
    throw new UnauthorizedException('Introspection requires Authorization: Bearer <INTROSPECTION_SECRET>');
  }
}
