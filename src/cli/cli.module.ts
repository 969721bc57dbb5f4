import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { type AppConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { dataSourceOptions } from '../config/database.js';
import { ClientsModule } from '../clients/clients.module.js';
import { MfaModule } from '../mfa/mfa.module.js';
import { RetentionModule } from '../retention/retention.module.js';
import { UsersModule } from '../users/users.module.js';
import { ClientCommands } from './client.commands.js';
import { UserCommands } from './user.commands.js';
import { UsersImporter } from './users-import.js';

/** The services the CLI needs, without the HTTP layer. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot({
          ...dataSourceOptions({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }),
          migrationsRun: config.dbMigrationsRun,
          migrationsTransactionMode: 'each',
        }),
        UsersModule,
        MfaModule,
        RetentionModule,
        ClientsModule,
      ],
      providers: [UserCommands, UsersImporter, ClientCommands],
    };
  }
}
