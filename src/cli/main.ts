import 'reflect-metadata';
import { HttpException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { parseArgs, type ParsedArgs } from './args.js';
import { CliModule } from './cli.module.js';
import { clientInput, ClientCommands } from './client.commands.js';
import { formatPurgeReport } from './purge-report.js';
import { ImportFileError } from './import-rows.js';
import { createInput, emailInput, roleInput, UsageError, UserCommands } from './user.commands.js';
import { formatSummary, UsersImporter } from './users-import.js';
import { RetentionService } from '../retention/retention.service.js';

const USAGE = `Usage: npm run cli -- <command> [options]
  user:create --email E --password P [--admin] [--verified] [--username U] [--display-name N]
  user:role --email E --add admin | --remove admin
  user:disable --email E          (revokes every session of the user)
  user:enable --email E
  user:mfa-reset --email E        (removes every MFA factor and recovery code; revokes every session)
  users:import FILE               (CSV with header email,password_hash[,email_verified][,username], or JSON lines)
  db:purge                        (deletes what is past its retention now; prints the rows deleted per table)
  client:create --name N --redirect-uri U [--redirect-uri U2] [--confidential] [--first-party]
                [--grant client_credentials] [--scope S]
                                  (registers an OAuth client; prints its client_id and, confidential, its secret once)`;

type Context = Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;
type Step = (context: Context) => Promise<string>;

/** Checks the arguments and returns what to run once the database is open. */
function plan(args: ParsedArgs): Step | undefined {
  switch (args.command) {
    case 'user:create': {
      const input = createInput(args);
      return (context) => context.get(UserCommands).create(input);
    }
    case 'user:role': {
      const change = roleInput(args);
      return (context) => context.get(UserCommands).role(change);
    }
    case 'user:disable':
    case 'user:enable': {
      const email = emailInput(args);
      return (context) => context.get(UserCommands).setDisabled(email, args.command === 'user:disable');
    }
    case 'user:mfa-reset': {
      const email = emailInput(args);
      return (context) => context.get(UserCommands).mfaResetByEmail(email);
    }
    case 'users:import': {
      const [file] = args.positional;
      if (!file) throw new UsageError('users:import needs a FILE (CSV or JSON lines)');
      return async (context) => {
        const report = (line: number, reason: string) => console.error(`line ${line}: rejected: ${reason}`);
        return formatSummary(await context.get(UsersImporter).run(file, report));
      };
    }
    case 'client:create': {
      const input = clientInput(args);
      return (context) => context.get(ClientCommands).create(input);
    }
    case 'db:purge':
      return async (context) => formatPurgeReport(await context.get(RetentionService).purge());
    default:
      return undefined;
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (!args.command || args.flags.help) {
    console.log(USAGE);
    return args.command ? 0 : 2;
  }
  const step = plan(args);
  if (!step) {
    console.error(`Unknown command: ${args.command}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    console.log(await step(context));
    return 0;
  } finally {
    await context.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
    else if (error instanceof UsageError || error instanceof ImportFileError) console.error(error.message);
    else if (error instanceof HttpException) {
      const response = error.getResponse() as { message?: string | string[] };
      console.error(`Error: ${[response.message ?? error.message].flat().join('; ')}`);
    } else if ((error as NodeJS.ErrnoException)?.code === 'ENOENT') {
      console.error(`Error: no such file: ${(error as NodeJS.ErrnoException).path}`);
    } else console.error('Error:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
