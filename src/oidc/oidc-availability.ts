import type { AppConfig } from '../config/app-config.js';

/**
 * OpenID Connect needs an asymmetric signing key: a relying party verifies the id_token against
 * the published JWKS, and an HS256 secret is never published (nor shared with clients). Under
 * HS256 OidcModule registers none of its routes (they answer 404) and the metadata leaves the
 * OpenID parts out.
 */
export function oidcEnabled(config: AppConfig): boolean {
  return config.jwt.algorithm !== 'HS256';
}
