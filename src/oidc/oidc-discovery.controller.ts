import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Public } from '../common/public.decorator.js';
import { providerMetadata } from './provider-metadata.js';

/** OpenID Connect Discovery 1.0 (registered only while OpenID Connect is on: see OidcModule). */
@ApiTags('openid-connect')
@Public()
@Controller('.well-known')
export class OidcDiscoveryController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'OpenID Provider metadata (OIDC Discovery 1.0)',
    description:
      'The same document as /.well-known/oauth-authorization-server (RFC 8414). Exists only with an asymmetric ' +
      'JWT_ALGORITHM (ES256, RS256, EdDSA); under HS256 this route answers 404.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        issuer: 'https://auth.example.com',
        authorization_endpoint: 'https://auth.example.com/oauth/authorize',
        token_endpoint: 'https://auth.example.com/auth/token',
        jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
        userinfo_endpoint: 'https://auth.example.com/oauth/userinfo',
        end_session_endpoint: 'https://auth.example.com/oauth/logout',
        scopes_supported: ['openid', 'email', 'profile', 'users:read', 'users:write'],
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
      },
    },
  })
  configuration() {
    return providerMetadata(this.config);
  }
}
