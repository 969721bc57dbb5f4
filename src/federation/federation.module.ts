import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { LimitsModule } from '../limits/limits.module.js';
import { PagesModule } from '../pages/pages.module.js';
import { FederationStatesService } from './federation-states.service.js';
import { FederationController } from './federation.controller.js';
import { FederationService } from './federation.service.js';
import { ProviderClients } from './provider-clients.js';

/** Sign in with another provider (generic OpenID Connect, GitHub): providers, identities, link/unlink. */
@Module({
  imports: [AuthModule, ClientsModule, PagesModule, AuditModule, LimitsModule],
  controllers: [FederationController],
  providers: [ProviderClients, FederationStatesService, FederationService],
  exports: [FederationService],
})
export class FederationModule {}
