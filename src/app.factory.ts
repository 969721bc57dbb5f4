import fastifyCookie from '@fastify/cookie';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as Pino } from 'pino';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { registerSecurityHeaders, SERVER_TIMEOUTS } from './common/http-hardening.js';
import { limitJsonDepth } from './common/json-body.js';
import { PinoLoggerService } from './common/logger.js';
import { rejectUnstorableText } from './common/request-text.js';
import { requestIdFor } from './common/request-id.js';
import { installRequestHooks } from './common/request-hooks.js';
import { VALIDATION_OPTIONS } from './common/validation.js';
import { type AppConfig } from './config/app-config.js';
import { fastifyTrustProxy } from './config/trust-proxy.js';
import { MetricsService } from './metrics/metrics.service.js';
import { registerPageViews } from './pages/page-renderer.js';
import { setupSwagger } from './swagger.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

/** Draining ends once no connection or request arrived for this long... */
const QUIET_MS = 200;
/** ...or after this share of SHUTDOWN_TIMEOUT, at most 2 s. */
const MAX_DRAIN_WAIT_MS = 2000;

/**
 * Nest calls beforeClose() first thing in app.close(): from then on the app is draining (new
 * requests get 503, see request-hooks.ts). close() comes after the shutdown hooks; before it stops
 * listening, it waits until clients went quiet: requests that reached the socket before SIGTERM
 * but were not read yet would otherwise be reset when the server closes its idle connections
 * (the shutdown e2e test caught exactly that).
 */
class WardenFastifyAdapter extends FastifyAdapter {
  draining = false;
  lastActivity = 0;
  maxDrainWaitMs = MAX_DRAIN_WAIT_MS;

  override beforeClose(): void {
    this.draining = true;
    this.lastActivity = Date.now();
    super.beforeClose();
  }

  override async close(): Promise<void> {
    const started = Date.now();
    while (Date.now() - this.lastActivity < QUIET_MS && Date.now() - started < this.maxDrainWaitMs) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return super.close();
  }
}

/** Builds the configured application (not yet listening): used by main.ts, the CLI and the tests. */
export async function createApp(
  config: AppConfig,
  pino: Pino,
  options: AppModuleOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new WardenFastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    requestIdHeader: false,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // Draining is answered by our onRequest hook (request-hooks.ts), in the contract's error shape.
    return503OnClosing: false,
    ...SERVER_TIMEOUTS,
  });
  adapter.maxDrainWaitMs = Math.min(MAX_DRAIN_WAIT_MS, (config.shutdownTimeout * 1000) / 4);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    logger: new PinoLoggerService(pino),
    bufferLogs: false,
  });

  // --- Hardening: security headers and CSP, JSON depth, unstorable text; see src/common/ ---
  registerSecurityHeaders(app, config);
  limitJsonDepth(app);
  rejectUnstorableText(app);
  // --- end hardening ---

  // Cookie mode: request.cookies for the access/refresh cookies, reply.setCookie.
  await app.register(fastifyCookie);
  // The hosted pages' templates (src/pages/views).
  await registerPageViews(app);
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
  installRequestHooks(fastify, { pino, metrics: app.get(MetricsService), isDraining: () => adapter.draining });
  const noteActivity = () => {
    if (adapter.draining) adapter.lastActivity = Date.now();
  };
  app.getHttpServer().on('connection', noteActivity).on('request', noteActivity);

  app.useGlobalPipes(new ValidationPipe(VALIDATION_OPTIONS));
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
