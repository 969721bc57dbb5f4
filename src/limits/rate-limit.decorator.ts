import { SetMetadata } from '@nestjs/common';

export const RATE_LIMITED = 'warden:rate-limited';

/** Counts requests per client IP on this route (30 a rolling minute, see RATE_LIMIT). */
export const RateLimited = () => SetMetadata(RATE_LIMITED, true);
