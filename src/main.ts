import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { createPino } from './common/logger.js';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const pino = createPino(config.logLevel);
  const app = await createApp(config, pino);
  app.enableShutdownHooks();
  await app.listen({ port: config.port, host: config.host });
  pino.info(
    {
      url: `http://${config.host}:${config.port}`,
      docs: `${config.appUrl}/docs`,
      database: config.databaseUrl ? 'postgres' : 'embedded',
    },
    'Warden is listening',
  );
}

void bootstrap();
