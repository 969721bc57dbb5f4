import { Inject, Injectable, NotFoundException, type CanActivate } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/**
 * OpenID Connect needs an asymmetric signing key: a relying party verifies the id_token against
 * the published JWKS, and an HS256 secret is never published (nor shared with clients).
 */
export function oidcEnabled(config: AppConfig): boolean {
  return config.jwt.algorithm !== 'HS256';
}

/** Under HS256 the OIDC routes do not exist: 404, as for an unknown route. */
@Injectable()
export class OidcEnabledGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(): boolean {
    if (!oidcEnabled(this.config)) {
      throw new NotFoundException('OpenID Connect is off: it needs an asymmetric JWT_ALGORITHM (ES256, RS256, EdDSA)');
    }
    return true;
  }
}
