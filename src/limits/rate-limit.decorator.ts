import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const RATE_LIMITED = 'warden:rate-limited';
/** Marks the operation in the OpenAPI document; src/swagger.ts adds its 429 response from it. */
export const RATE_LIMITED_EXTENSION = 'x-rate-limited';

/** How a 429 is shaped: the contract's error body, or RFC 6749 `{error, error_description}`. */
export type RateLimitShape = 'contract' | 'oauth';

/** Counts requests per client IP on this route (contract §6: 30 a rolling minute). */
export const RateLimited = (shape: RateLimitShape = 'contract') =>
  applyDecorators(SetMetadata(RATE_LIMITED, shape), ApiExtension(RATE_LIMITED_EXTENSION, shape));
