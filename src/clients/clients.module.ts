import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AnyScopeGuard } from './client-admin-scopes.guard.js';
import { ClientAuthService } from './client-auth.service.js';
import { ClientTokenStateService } from './client-token-state.service.js';
import { ClientsController } from './clients.controller.js';
import { ClientsService } from './clients.service.js';
import { OAuthClient } from './oauth-client.entity.js';

/** OAuth clients: registration (admin routes, CLI), look-ups and client authentication. */
@Module({
  imports: [TypeOrmModule.forFeature([OAuthClient]), SessionsModule, AuditModule],
  controllers: [ClientsController],
  providers: [ClientsService, ClientAuthService, ClientTokenStateService, AnyScopeGuard],
  exports: [ClientsService, ClientAuthService, ClientTokenStateService],
})
export class ClientsModule {}
