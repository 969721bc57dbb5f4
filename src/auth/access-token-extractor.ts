import type { FastifyRequest } from 'fastify';

/** The access token from `Authorization: Bearer …` (case-insensitive scheme), else undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return match?.[1];
}

/** Protected routes accept the bearer header or the `access_token` cookie (contract §3). */
export function accessTokenFromRequest(request: FastifyRequest): string | undefined {
  return (
    bearerToken(request) ??
    (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.access_token
  );
}
