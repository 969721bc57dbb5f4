import type { FastifyRequest } from 'fastify';

/** Where a request came from, for sessions, the login back-off and the audit log. */
export interface ClientInfo {
  userAgent?: string | null;
  ip?: string | null;
}

/** `request.ip` follows X-Forwarded-For only with TRUST_PROXY (Fastify's trustProxy). */
export function clientInfo(request: FastifyRequest): ClientInfo {
  return { userAgent: request.headers['user-agent'] ?? null, ip: request.ip ?? null };
}
