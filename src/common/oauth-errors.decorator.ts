import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

/** Marks the operation in the OpenAPI document, so that its shared error responses take the RFC 6749 shape. */
export const OAUTH_ERRORS_EXTENSION = 'x-oauth-errors';

/**
 * The route answers errors as RFC 6749 `{error, error_description}` (the token endpoint) rather
 * than the usual `{statusCode, error, message, request_id}`. Kept in Fastify's route config, so
 * the exception filter can read it from the request alone.
 */
export const OAuthErrors = () =>
  applyDecorators(RouteConfig({ oauthErrors: true }), ApiExtension(OAUTH_ERRORS_EXTENSION, true));

export function usesOAuthErrors(request: FastifyRequest): boolean {
  return (request.routeOptions?.config as { oauthErrors?: boolean } | undefined)?.oauthErrors === true;
}
