import fastifyCookie from '@fastify/cookie';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { Logger as Pino } from 'pino';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { registerSecurityHeaders, SERVER_TIMEOUTS } from './common/http-hardening.js';
import { limitJsonDepth } from './common/json-body.js';
import { PinoLoggerService } from './common/logger.js';
import { rejectUnstorableText } from './common/request-text.js';
import { requestIdFor } from './common/request-id.js';
import { type AppConfig } from './config/app-config.js';
import { setupSwagger } from './swagger.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

function routeOf(request: FastifyRequest): string {
  return request.routeOptions?.url ?? 'unmatched';
}

/** Builds the configured application (not yet listening): used by main.ts, the CLI and the tests. */
export async function createApp(
  config: AppConfig,
  pino: Pino,
  options: AppModuleOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    requestIdHeader: false,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    ...SERVER_TIMEOUTS,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    logger: new PinoLoggerService(pino),
    bufferLogs: false,
  });

  // --- Hardening (issue 6): security headers and CSP, JSON depth, unstorable text; see src/common/ ---
  await registerSecurityHeaders(app, config);
  limitJsonDepth(app);
  rejectUnstorableText(app);
  // --- end hardening ---

  // Cookie mode (contract §3): request.cookies for the access/refresh cookies, reply.setCookie.
  await app.register(fastifyCookie);
  // Only the listed origins get CORS headers; credentials so that the SPA's cookies are sent.
  app.enableCors({
    origin: config.corsOrigins.length > 0 ? config.corsOrigins.map((o) => new URL(o).origin) : false,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['X-Request-Id', 'WWW-Authenticate', 'Retry-After'],
    maxAge: 600,
  });

  const fastify = app.getHttpAdapter().getInstance();
  // Only JSON (and form where a route allows it) is accepted: drop Fastify's text/plain parser.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const user = (request as FastifyRequest & { user?: { userId?: string } }).user;
    pino.info(
      {
        request_id: request.id,
        method: request.method,
        route: routeOf(request),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        user_id: user?.userId,
      },
      'request',
    );
    done();
  });

  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, forbidUnknownValues: true }),
  );
  setupSwagger(app);
  try {
    await app.init();
  } catch (error) {
    // A failed start (a bad key, say) must not leave connections and listeners behind.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}
