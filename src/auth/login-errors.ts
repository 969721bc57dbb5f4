import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { OAuthError } from '../common/oauth-error.js';

export type LoginRefusal = 'bad_credentials' | 'disabled' | 'unverified';

export const BAD_CREDENTIALS = 'Invalid email or password';

/**
 * An `invalid_grant` for the token endpoint that also says why, so that the browser login can
 * answer 401 (wrong credentials) or 403 (disabled, unverified) with the same message.
 */
export class LoginRefusedError extends OAuthError {
  constructor(
    readonly reason: LoginRefusal,
    description: string,
  ) {
    super('invalid_grant', description);
  }
}

/** 429 with Retry-After, the same for known and unknown accounts. */
export class LoginThrottledError extends OAuthError {
  constructor(readonly retryAfter: number) {
    super('too_many_requests', `Too many failed sign-in attempts; try again in ${retryAfter} seconds`, 429, {
      'Retry-After': `${retryAfter}`,
    });
  }
}

/**
 * The counters cannot be read (Redis down): sign-in fails closed, since letting attempts through
 * unthrottled would reopen unlimited guessing. 503 with Retry-After, both for known and unknown accounts.
 */
export class LoginUnavailableError extends OAuthError {
  constructor() {
    super('temporarily_unavailable', 'Sign-in is temporarily unavailable; try again shortly', 503, {
      'Retry-After': '5',
    });
  }
}

/**
 * A refused login answers 401 (wrong credentials) or 403 (disabled, unverified) outside the token
 * endpoint, not RFC 6749's 400. Other errors keep their status; the exception filter shapes the body.
 */
export function asBrowserError(error: unknown): unknown {
  if (error instanceof LoginRefusedError) {
    return error.reason === 'bad_credentials'
      ? new UnauthorizedException(error.description)
      : new ForbiddenException(error.description);
  }
  return error;
}
