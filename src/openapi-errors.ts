import type { OpenAPIObject } from '@nestjs/swagger';
import { OAUTH_ERRORS_EXTENSION } from './common/oauth-errors.decorator.js';
import { RATE_LIMITED_EXTENSION } from './limits/rate-limit.decorator.js';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Responses = Operation['responses'];

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

const ref = (schema: 'ErrorResponseDto' | 'OAuthErrorResponseDto') => ({
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
});

/**
 * The error answers every operation shares, added where a route's own decorators do not name
 * them (a route's own description wins): 500 everywhere, 401 behind credentials, 400 where a body
 * or parameter is validated, 413 and 415 where a body is accepted, 429 where @RateLimited()
 * applies (in the RFC 6749 shape on the token endpoint). One place, so that no route can forget.
 */
export function addCommonErrorResponses(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) addTo(operation);
    }
  }
  return document;
}

function addTo(operation: Operation): void {
  const responses: Responses = operation.responses;
  const add = (status: string, description: string, schema: Parameters<typeof ref>[0] = 'ErrorResponseDto') => {
    responses[status] ??= { description, ...ref(schema) };
  };
  const hasBody = operation.requestBody !== undefined;
  if (hasBody || (operation.parameters?.length ?? 0) > 0) {
    add('400', 'Invalid request: a field or parameter failed validation (the message says which)');
  }
  if ((operation.security?.length ?? 0) > 0) add('401', 'Missing, invalid, expired or revoked credentials');
  if (hasBody) {
    add('413', 'Body larger than 64 KiB');
    add('415', 'Content type not accepted (JSON; form where the route lists it)');
  }
  const extensions = operation as unknown as Record<string, unknown>;
  if (extensions[RATE_LIMITED_EXTENSION] !== undefined) {
    add(
      '429',
      'Over 30 requests a minute from this address to this route (Retry-After says when to retry)',
      extensions[OAUTH_ERRORS_EXTENSION] ? 'OAuthErrorResponseDto' : 'ErrorResponseDto',
    );
  }
  add('500', 'Unexpected error (logged with the request id)');
}
