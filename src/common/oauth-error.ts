import { HttpException } from '@nestjs/common';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'too_many_requests'
  | 'temporarily_unavailable';

/** An error of the token endpoint, rendered as RFC 6749 §5.2 `{error, error_description}`. */
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
