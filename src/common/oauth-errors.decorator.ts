import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

/**
 * The route answers errors as RFC 6749 `{error, error_description}` (the token endpoint) rather
 * than the usual `{statusCode, error, message, request_id}`. Kept in Fastify's route config, so
 * the exception filter can read it from the request alone.
 */
export const OAuthErrors = () => RouteConfig({ oauthErrors: true });

export function usesOAuthErrors(request: FastifyRequest): boolean {
  return (request.routeOptions?.config as { oauthErrors?: boolean } | undefined)?.oauthErrors === true;
}
