import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger as Pino } from 'pino';
import { errorBody } from './error-body.js';
import { createAccessLogger } from './logger.js';

/** Where each finished request is counted (the metrics module implements it). */
export interface RequestObserver {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

export interface RequestHookOptions {
  pino: Pino;
  metrics: RequestObserver;
  /** True once shutdown began: responses then close their connection. */
  isDraining: () => boolean;
}

/**
 * The per-request work outside Nest's pipeline: X-Request-Id on every response, 503 and
 * Connection: close while draining (instead of Nest's and Fastify's return503OnClosing, whose
 * bodies lack the contract's request_id), and, once the response is sent, the access-log line and the request metrics.
 * Everything here runs on every request, so it stays small: the access line goes through a logger
 * without redaction (createAccessLogger), as it only carries fields built here.
 */
type WithUser = FastifyRequest & { user?: { userId?: string; user?: { id?: string } } };

/** A protected route's principal (`userId`), or the user a login just proved (the proof's `user.id`). */
function userIdOf(request: FastifyRequest): string | undefined {
  const user = (request as WithUser).user;
  return user ? (user.userId ?? user.user?.id) : undefined;
}

export function installRequestHooks(fastify: FastifyInstance, { pino, metrics, isDraining }: RequestHookOptions): void {
  const access = createAccessLogger(pino);
  const accessLog = access.isLevelEnabled('info');

  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    if (isDraining()) {
      // Shutdown began: new requests are refused at once (the load balancer retries them on
      // another instance); the ones already in flight finish.
      reply.code(503).send(errorBody(503, 'The service is shutting down', String(request.id)));
      return;
    }
    done();
  });

  // A keep-alive connection that finishes a request after shutdown began is closed after the
  // response (with the header, so the client knows not to reuse it) instead of lingering until
  // keepAliveTimeout: shutdown then waits only for the requests really in flight.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (isDraining()) reply.header('Connection', 'close');
    done(null, payload);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    metrics.observeRequest(request.method, route, reply.statusCode, ms / 1000);
    if (accessLog) {
      access.info(
        {
          request_id: request.id,
          method: request.method,
          route,
          status: reply.statusCode,
          ms: Math.round(ms * 10) / 10,
          user_id: userIdOf(request),
        },
        'request',
      );
    }
    done();
  });
}
