import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AuditModule } from '../audit/audit.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { PagesModule } from '../pages/pages.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { OidcDiscoveryController } from './oidc-discovery.controller.js';
import { oidcEnabled } from './oidc-availability.js';
import { LogoutController } from './logout.controller.js';
import { LogoutService } from './logout.service.js';
import { UserinfoController } from './userinfo.controller.js';

/**
 * OpenID Connect on top of Warden's own tokens: discovery, userinfo and RP-initiated logout (the
 * id_token itself is IdTokenService, provided by AuthModule for the token endpoint). Under HS256
 * the routes are not registered at all, so they answer the plain 404 of an unknown route.
 */
@Module({})
export class OidcModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: OidcModule,
      imports: [AuthModule, UsersModule, SessionsModule, AuditModule, ClientsModule, PagesModule],
      controllers: oidcEnabled(config) ? [OidcDiscoveryController, UserinfoController, LogoutController] : [],
      providers: [LogoutService],
    };
  }
}
