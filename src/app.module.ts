import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountPageModule } from './account/account-page.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AuthorizeModule } from './authorize/authorize.module.js';
import { ClientsModule } from './clients/clients.module.js';
import { CsrfGuard } from './auth/csrf.guard.js';
import { JwtAuthGuard } from './auth/jwt-auth.guard.js';
import { RolesGuard } from './auth/roles.guard.js';
import { ScopesGuard } from './auth/scopes.guard.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { ContentTypeGuard } from './common/content-type.guard.js';
import { PrivateResponseGuard } from './common/private-response.js';
import { type AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { dataSourceOptions } from './config/database.js';
import { FederationModule } from './federation/federation.module.js';
import { HealthModule } from './health/health.module.js';
import { LimitsModule } from './limits/limits.module.js';
import { RateLimitGuard } from './limits/rate-limit.guard.js';
import { RetentionModule } from './retention/retention.module.js';
import { MailModule } from './mail/mail.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { StepUpGuard } from './mfa/step-up.guard.js';
import { MfaModule } from './mfa/mfa.module.js';
import { OidcModule } from './oidc/oidc.module.js';
import { PagesModule } from './pages/pages.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { UsersModule } from './users/users.module.js';

export interface AppModuleOptions {
  /** `null` keeps the embedded database in memory (tests). Defaults to config.dataDir. */
  dataDir?: string | null;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        TypeOrmModule.forRoot({
          ...dataSourceOptions({
            databaseUrl: config.databaseUrl,
            dataDir: options.dataDir === undefined ? config.dataDir : options.dataDir,
            poolSize: config.database.poolSize,
            queryTimeoutSeconds: config.database.queryTimeout,
          }),
          migrationsRun: config.dbMigrationsRun,
          migrationsTransactionMode: 'each',
        }),
        MailModule,
        UsersModule,
        SessionsModule,
        AuthModule,
        ClientsModule,
        MfaModule,
        OidcModule.register(config),
        HealthModule,
        AuditModule,
        LimitsModule,
        RetentionModule,
        PagesModule,
        AuthorizeModule,
        FederationModule,
        AccountPageModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        // First: a client over the per-IP limit is refused before any other work.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        // Before the checks that can refuse: their errors on a private route are not cached either.
        { provide: APP_GUARD, useClass: PrivateResponseGuard },
        { provide: APP_GUARD, useClass: ContentTypeGuard },
        // Before authentication: a forged cross-site request is refused without touching a token.
        { provide: APP_GUARD, useClass: CsrfGuard },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        // After authentication, in this order: @Roles() then @Scopes().
        { provide: APP_GUARD, useClass: RolesGuard },
        { provide: APP_GUARD, useClass: ScopesGuard },
        // Last: step-up is asked only of a caller who may otherwise use the route.
        { provide: APP_GUARD, useClass: StepUpGuard },
      ],
    };
  }
}
