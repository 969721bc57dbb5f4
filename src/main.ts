import 'reflect-metadata';
import { availableParallelism } from 'node:os';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { createPino } from './common/logger.js';
import { installGracefulShutdown } from './shutdown.js';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line per mistake (AUTH_PROVIDERS can name several at once).
      for (const line of error.message.split('\n')) console.error(`Configuration error: ${line}`);
      process.exit(1);
    }
    throw error;
  }
  const pino = createPino(config.logLevel, undefined, config.logFormat);
  const app = await createApp(config, pino);
  installGracefulShutdown(app, pino, config.shutdownTimeout * 1000);
  await app.listen({ port: config.port, host: config.host });
  pino.info(
    {
      url: `http://${config.host}:${config.port}`,
      docs: `${config.appUrl}/docs`,
      database: config.databaseUrl ? 'postgres' : 'embedded',
      threadpool: config.threadpoolSize,
    },
    'Warden is listening',
  );
  if (config.threadpoolSize < availableParallelism() + 1) {
    // argon2 shares libuv's pool with token signatures: too small a pool slows logins down.
    pino.warn(
      { threadpool: config.threadpoolSize, cores: availableParallelism() },
      'UV_THREADPOOL_SIZE is below cores + 1: start with `npm run start:prod` (it preloads dist/src/threadpool.cjs) or set UV_THREADPOOL_SIZE',
    );
  }
}

void bootstrap();
