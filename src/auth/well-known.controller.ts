import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Public } from '../common/public.decorator.js';
import { JwtKeysService } from './jwt-keys.service.js';
import { SCOPES } from './scopes.js';

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
  @ApiOperation({ summary: 'Public signing keys (empty under HS256)' })
  @ApiOkResponse({
    schema: { example: { keys: [{ kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: '…', use: 'sig', alg: 'ES256' }] } },
  })
  jwks() {
    return this.keys.jwks();
  }

  @Get('oauth-authorization-server')
  @ApiOperation({ summary: 'RFC 8414 authorization server metadata' })
  metadata() {
    const base = this.config.appUrl;
    return {
      issuer: this.config.jwt.issuer,
      token_endpoint: `${base}/auth/token`,
      revocation_endpoint: `${base}/auth/revoke`,
      introspection_endpoint: `${base}/auth/introspect`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      grant_types_supported: ['password', 'refresh_token'],
      response_types_supported: [],
      scopes_supported: Object.keys(SCOPES),
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      introspection_endpoint_auth_methods_supported: ['bearer'],
    };
  }
}
