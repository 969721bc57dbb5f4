import { SetMetadata } from '@nestjs/common';

export const RATE_LIMITED = 'warden:rate-limited';

/** How a 429 is shaped: the contract's error body, or RFC 6749 `{error, error_description}`. */
export type RateLimitShape = 'contract' | 'oauth';

/** Counts requests per client IP on this route (contract §6: 30 a rolling minute). */
export const RateLimited = (shape: RateLimitShape = 'contract') => SetMetadata(RATE_LIMITED, shape);
