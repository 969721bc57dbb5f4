import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { isDatabaseUnavailable, isUniqueViolation } from './db-errors.js';
import { errorBody, GENERIC_500_MESSAGE } from './error-body.js';
import { OAuthError } from './oauth-error.js';
import { usesOAuthErrors } from './oauth-errors.decorator.js';

interface FastifyError {
  statusCode?: number;
}

function messageOf(exception: HttpException): string | string[] {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string' || Array.isArray(message)) return message as string | string[];
  return exception.message;
}

const UNAVAILABLE_MESSAGE = 'Service temporarily unavailable, try again shortly';
const UNAVAILABLE_RETRY_AFTER_S = 5;
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * Shapes every error: RFC 6749 `{error, error_description}` on the routes marked @OAuthErrors(),
 * the usual `{statusCode, error, message, request_id}` everywhere else; anything unexpected
 * becomes the generic 500.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    sendError(exception, request, reply, this.logger);
  }
}

export function sendError(exception: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  const requestId = String(request.id);
  const oauth = usesOAuthErrors(request);
  if (exception instanceof OAuthError) {
    reply.status(exception.getStatus());
    if (oauth) {
      reply
        .headers({ ...NO_STORE, ...exception.headers })
        .send({ error: exception.code, error_description: exception.description });
    } else {
      reply.headers(exception.headers).send(errorBody(exception.getStatus(), exception.description, requestId));
    }
    return;
  }
  if (exception instanceof HttpException) {
    // Errors that tell the client when to come back (429, 503) carry their Retry-After.
    const { headers } = exception as HttpException & { headers?: Record<string, string> };
    if (headers) reply.headers(headers);
    reply.status(exception.getStatus()).send(errorBody(exception.getStatus(), messageOf(exception), requestId));
    return;
  }
  if (isUniqueViolation(exception)) {
    reply.status(409).send(errorBody(409, 'Conflict with an existing resource', requestId));
    return;
  }
  if (isDatabaseUnavailable(exception)) {
    // An outage is not a bug: 503 with Retry-After, so that clients and load balancers back off.
    logger.warn({ request_id: requestId, err: exception }, 'Database unavailable');
    reply.status(503).headers({ 'retry-after': String(UNAVAILABLE_RETRY_AFTER_S) });
    if (oauth) {
      reply.headers(NO_STORE).send({ error: 'temporarily_unavailable', error_description: UNAVAILABLE_MESSAGE });
    } else {
      reply.send(errorBody(503, UNAVAILABLE_MESSAGE, requestId));
    }
    return;
  }
  // Nest wraps Fastify's own errors (body too large, bad JSON) as HttpExceptions; anything else
  // that still carries a 4xx status is answered with that status and its standard text.
  const status = (exception as FastifyError | undefined)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    reply.status(status).send(errorBody(status, STATUS_CODES[status] ?? 'Bad request', requestId));
    return;
  }
  logger.error({ request_id: requestId, err: exception }, 'Unhandled error');
  reply.status(500).send(errorBody(500, GENERIC_500_MESSAGE, requestId));
}
