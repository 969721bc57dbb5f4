import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const RATE_LIMITED = 'warden:rate-limited';
/** Marks the operation in the OpenAPI document; src/swagger.ts adds its 429 response from it. */
export const RATE_LIMITED_EXTENSION = 'x-rate-limited';

/** Counts requests per client IP on this route (30 a rolling minute, see RATE_LIMIT). */
export const RateLimited = () =>
  applyDecorators(SetMetadata(RATE_LIMITED, true), ApiExtension(RATE_LIMITED_EXTENSION, true));
