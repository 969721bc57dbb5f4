import { OAuthError } from '../common/oauth-error.js';

export const MFA_OTP_GRANT = 'urn:warden:params:oauth:grant-type:mfa-otp';
export const MFA_RECOVERY_CODE_GRANT = 'urn:warden:params:oauth:grant-type:mfa-recovery-code';
export const PASSKEY_GRANT = 'urn:warden:params:oauth:grant-type:passkey';
export const MFA_PASSKEY_GRANT = 'urn:warden:params:oauth:grant-type:mfa-passkey';

export const AUTHORIZATION_CODE_GRANT = 'authorization_code';

const MAX_CREDENTIAL_JSON = 16 * 1024;

export type TokenRequest =
  | { grant_type: 'password'; username: string; password: string; scope?: string }
  | { grant_type: 'refresh_token'; refresh_token: string; scope?: string }
  | {
      grant_type: typeof AUTHORIZATION_CODE_GRANT;
      code: string;
      redirect_uri: string;
      code_verifier: string;
      client_id?: string;
    }
  | { grant_type: 'client_credentials'; scope?: string }
  | { grant_type: typeof MFA_OTP_GRANT; mfa_token: string; otp: string }
  | { grant_type: typeof MFA_RECOVERY_CODE_GRANT; mfa_token: string; recovery_code: string }
  | { grant_type: typeof PASSKEY_GRANT; challenge_id: string; credential: Record<string, unknown>; scope?: string }
  | {
      grant_type: typeof MFA_PASSKEY_GRANT;
      mfa_token: string;
      challenge_id: string;
      credential: Record<string, unknown>;
    };

/** Every grant of the token endpoint (also the RFC 8414 metadata's grant_types_supported). */
export const KNOWN_GRANTS = [
  'password',
  'refresh_token',
  MFA_OTP_GRANT,
  MFA_RECOVERY_CODE_GRANT,
  PASSKEY_GRANT,
  MFA_PASSKEY_GRANT,
  AUTHORIZATION_CODE_GRANT,
  'client_credentials',
];

function param(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (Array.isArray(value)) throw new OAuthError('invalid_request', `Parameter ${name} is duplicated`);
  if (value === undefined || value === null || value === '') {
    if (required) throw new OAuthError('invalid_request', `Missing parameter: ${name}`);
    return undefined;
  }
  if (typeof value !== 'string') throw new OAuthError('invalid_request', `Parameter ${name} must be a string`);
  return value;
}

/** Validates a token-endpoint body by RFC 6749 §5.2 (unknown parameters are ignored, §3.2). */
export function parseTokenRequest(body: unknown): TokenRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new OAuthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded');
  }
  const fields = body as Record<string, unknown>;
  const grantType = param(fields, 'grant_type', true)!;
  if (!KNOWN_GRANTS.includes(grantType)) {
    throw new OAuthError('unsupported_grant_type', `grant_type must be one of: ${KNOWN_GRANTS.join(', ')}`);
  }
  const scope = param(fields, 'scope', false);
  if (grantType === 'password') {
    return {
      grant_type: 'password',
      username: param(fields, 'username', true)!,
      password: param(fields, 'password', true)!,
      scope,
    };
  }
  if (grantType === AUTHORIZATION_CODE_GRANT) {
    // RFC 6749 4.1.3 with RFC 7636 4.5; client_id may instead come with the client's credentials.
    return {
      grant_type: AUTHORIZATION_CODE_GRANT,
      code: param(fields, 'code', true)!,
      redirect_uri: param(fields, 'redirect_uri', true)!,
      code_verifier: param(fields, 'code_verifier', true)!,
      client_id: param(fields, 'client_id', false),
    };
  }
  if (grantType === MFA_OTP_GRANT) {
    return {
      grant_type: MFA_OTP_GRANT,
      mfa_token: param(fields, 'mfa_token', true)!,
      otp: param(fields, 'otp', true)!,
    };
  }
  if (grantType === MFA_RECOVERY_CODE_GRANT) {
    return {
      grant_type: MFA_RECOVERY_CODE_GRANT,
      mfa_token: param(fields, 'mfa_token', true)!,
      recovery_code: param(fields, 'recovery_code', true)!,
    };
  }
  if (grantType === MFA_PASSKEY_GRANT) {
    return {
      grant_type: MFA_PASSKEY_GRANT,
      mfa_token: param(fields, 'mfa_token', true)!,
      challenge_id: param(fields, 'challenge_id', true)!,
      credential: credentialParam(fields),
    };
  }
  if (grantType === PASSKEY_GRANT) {
    return {
      grant_type: PASSKEY_GRANT,
      challenge_id: param(fields, 'challenge_id', true)!,
      credential: credentialParam(fields),
      scope,
    };
  }
  if (grantType === 'client_credentials') return { grant_type: 'client_credentials', scope };
  return { grant_type: 'refresh_token', refresh_token: param(fields, 'refresh_token', true)!, scope };
}

/** `credential`: the AuthenticationResponseJSON as a JSON string (form), or as an object in a JSON body. */
function credentialParam(fields: Record<string, unknown>): Record<string, unknown> {
  const raw = fields.credential;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  const text = param(fields, 'credential', true)!;
  let parsed: unknown;
  try {
    parsed = text.length <= MAX_CREDENTIAL_JSON ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OAuthError(
      'invalid_request',
      'Parameter credential must be an AuthenticationResponseJSON object as JSON',
    );
  }
  return parsed as Record<string, unknown>;
}
