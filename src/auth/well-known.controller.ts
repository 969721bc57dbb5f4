import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Public } from '../common/public.decorator.js';
import { JwtKeysService } from './jwt-keys.service.js';
import { providerMetadata } from '../oidc/provider-metadata.js';

@ApiTags('discovery')
@Public()
@Controller('.well-known')
export class WellKnownController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: JwtKeysService,
  ) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'Public signing keys (empty under HS256)',
    description:
      'The current key and the retired ones of JWT_PREVIOUS_PUBLIC_KEYS_FILE; `kid` is the RFC 7638 thumbprint.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        keys: [
          {
            kty: 'EC',
            crv: 'P-256',
            x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
            y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
            kid: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
            use: 'sig',
            alg: 'ES256',
          },
        ],
      },
    },
  })
  jwks() {
    return this.keys.jwks();
  }

  /** RFC 8414 §2; the same builder as /.well-known/openid-configuration (see provider-metadata.ts). */
  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'RFC 8414 authorization server metadata',
    description:
      'With an asymmetric JWT_ALGORITHM it is the OpenID Connect discovery document too (userinfo, end_session, ' +
      'id_token algorithms, claims); under HS256 those parts are left out.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        issuer: 'https://auth.example.com',
        token_endpoint: 'https://auth.example.com/auth/token',
        authorization_endpoint: 'https://auth.example.com/oauth/authorize',
        jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
        scopes_supported: ['profile', 'users:read', 'users:write'],
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        grant_types_supported: [
          'password',
          'refresh_token',
          'urn:warden:params:oauth:grant-type:mfa-otp',
          'urn:warden:params:oauth:grant-type:mfa-recovery-code',
        ],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        revocation_endpoint: 'https://auth.example.com/auth/revoke',
        revocation_endpoint_auth_methods_supported: ['none'],
        introspection_endpoint: 'https://auth.example.com/auth/introspect',
        service_documentation: 'https://auth.example.com/docs',
      },
    },
  })
  metadata() {
    return providerMetadata(this.config);
  }
}
