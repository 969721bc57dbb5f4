import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as Pino } from 'pino';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { PinoLoggerService } from './common/logger.js';
import { requestIdFor } from './common/request-id.js';
import { installRequestHooks } from './common/request-hooks.js';
import { type AppConfig } from './config/app-config.js';
import { MetricsService } from './metrics/metrics.service.js';
import { setupSwagger } from './swagger.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

/** Nest calls beforeClose() first thing in app.close(): from then on the app is draining. */
class WardenFastifyAdapter extends FastifyAdapter {
  draining = false;

  override beforeClose(): void {
    this.draining = true;
    super.beforeClose();
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
    trustProxy: config.trustProxy,
    // Draining is answered by our onRequest hook (request-hooks.ts), in the contract's error shape.
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    logger: new PinoLoggerService(pino),
    bufferLogs: false,
  });

  const fastify = app.getHttpAdapter().getInstance();
  // Only JSON (and form where a route allows it) is accepted: drop Fastify's text/plain parser.
  fastify.removeContentTypeParser('text/plain');
  installRequestHooks(fastify, { pino, metrics: app.get(MetricsService), isDraining: () => adapter.draining });

  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, forbidUnknownValues: true }),
  );
  setupSwagger(app);
  await app.init();
  return app;
}
