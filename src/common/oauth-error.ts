import { HttpException } from '@nestjs/common';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'too_many_requests'
  | 'temporarily_unavailable';

/**
 * An error with an RFC 6749 error code. Routes marked @OAuthErrors() answer it as
 * `{error, error_description}`; any other route answers the usual error body with the same
 * status and headers.
 */
export class OAuthError extends HttpException {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super({ error: code, error_description: description }, status);
  }
}
