import { applyDecorators } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { RateLimited } from '../limits/rate-limit.decorator.js';

/**
 * A route that re-checks the caller's password: the per-IP limit, and the 429 of the login
 * back-off that every wrong password counts in (documented once for the three such routes).
 */
export const PasswordRecheck = () =>
  applyDecorators(
    RateLimited(),
    ApiTooManyRequestsResponse({
      description:
        'Retry-After: over 30 requests a minute from this IP, or the login back-off: the password re-check counts ' +
        'as a login attempt (per account and address); ' +
        'after LOGIN_MAX_FAILURES wrong passwords even the right one is refused while the wait runs',
      type: ErrorResponseDto,
    }),
  );
