import type { AppConfig } from '../config/app-config.js';
import { OIDC_SCOPES, SCOPES } from '../auth/scopes.js';
import { KNOWN_GRANTS } from '../auth/token-request.js';
import { CLIENT_AUTH_METHODS } from '../clients/client-auth.service.js';
import { oidcEnabled } from './oidc-availability.js';
import { CLAIMS_BY_SCOPE } from './user-claims.js';

/** Claims an id_token carries besides the user claims of CLAIMS_BY_SCOPE. */
const ID_TOKEN_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'sid', 'at_hash'];

/**
 * The one description of Warden as an authorization server: served as the RFC 8414 document and,
 * when OpenID Connect is on, as the Discovery 1.0 one, so that the two never disagree. Under
 * HS256 the OpenID parts (userinfo, end_session, id_token algorithms, claims, the OIDC scopes)
 * are left out, as their routes do not exist. `request_uri_parameter_supported` is stated false
 * because Discovery defaults it to true. The introspection endpoint is listed only when enabled;
 * its callers authenticate with a bearer secret, which no registered method names.
 */
export function providerMetadata(config: AppConfig): Record<string, unknown> {
  const base = config.appUrl;
  const oidc = oidcEnabled(config);
  return {
    issuer: config.jwt.issuer,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/auth/token`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    ...(oidc ? { userinfo_endpoint: `${base}/oauth/userinfo`, end_session_endpoint: `${base}/oauth/logout` } : {}),
    scopes_supported: [...(oidc ? Object.keys(OIDC_SCOPES) : []), ...Object.keys(SCOPES)],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: KNOWN_GRANTS,
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint: `${base}/auth/revoke`,
    revocation_endpoint_auth_methods_supported: ['none'],
    ...(config.introspectionSecret ? { introspection_endpoint: `${base}/auth/introspect` } : {}),
    ...(oidc
      ? {
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: [config.jwt.algorithm],
          acr_values_supported: ['aal1', 'aal2'],
          claims_supported: [...ID_TOKEN_CLAIMS, ...CLAIMS_BY_SCOPE.email, ...CLAIMS_BY_SCOPE.profile],
          claims_parameter_supported: false,
          request_parameter_supported: false,
          request_uri_parameter_supported: false,
        }
      : {}),
    service_documentation: `${base}/docs`,
  };
}
