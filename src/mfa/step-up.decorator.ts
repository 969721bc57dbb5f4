import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto.js';

export const REQUIRES_AAL2 = 'warden:requires-aal2';

/**
 * For a user with MFA on, the route needs a session at aal2 (RFC 9470 step-up), judged on the
 * session's level now: StepUpGuard answers 401 `insufficient_user_authentication` otherwise.
 */
export const RequiresAal2 = () =>
  applyDecorators(
    SetMetadata(REQUIRES_AAL2, true),
    ApiUnauthorizedResponse({
      description:
        'Invalid or expired access token; or, for a user with two-factor authentication on, a session not at aal2: ' +
        '`WWW-Authenticate: Bearer realm="warden", error="insufficient_user_authentication", error_description="…", ' +
        'acr_values="aal2"` (step up with POST /auth/mfa/verify, then retry). Nothing changed.',
      type: ErrorResponseDto,
    }),
  );
