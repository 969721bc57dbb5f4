import type { FastifyRequest } from 'fastify';
import { bearerToken } from '../common/bearer-token.js';

/** Protected routes accept the bearer header or the `access_token` cookie. */
export function accessTokenFromRequest(request: FastifyRequest): string | undefined {
  return (
    bearerToken(request) ??
    (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.access_token
  );
}
