import 'reflect-metadata';
import { HttpException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { parseArgs } from './args.js';
import { CliModule } from './cli.module.js';
import { UsageError, UserCommands } from './user.commands.js';

const USAGE = `Usage: npm run cli -- <command> [options]
  user:create --email E --password P [--admin] [--verified] [--username U] [--display-name N]`;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (!args.command || args.flags.help) {
    console.log(USAGE);
    return args.command ? 0 : 2;
  }
  const config = loadConfig();
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    const users = context.get(UserCommands);
    switch (args.command) {
      case 'user:create':
        console.log(await users.create(args));
        return 0;
      default:
        console.error(`Unknown command: ${args.command}\n${USAGE}`);
        return 2;
    }
  } finally {
    await context.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
    else if (error instanceof UsageError) console.error(error.message);
    else if (error instanceof HttpException) {
      const response = error.getResponse() as { message?: string | string[] };
      console.error(`Error: ${[response.message ?? error.message].flat().join('; ')}`);
    } else console.error('Error:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
