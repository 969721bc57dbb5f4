import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { PagesModule } from '../pages/pages.module.js';
import { AuthorizeController } from './authorize.controller.js';
import { AuthorizeService } from './authorize.service.js';
import { ConsentController } from './consent.controller.js';
import { ConsentsService } from './consents.service.js';

/**
 * The authorization endpoint and /consent. The code grant itself lives in the token endpoint
 * (AuthModule provides CodeGrantService and the code store, which this module uses to issue).
 */
@Module({
  imports: [AuthModule, ClientsModule, PagesModule],
  controllers: [AuthorizeController, ConsentController],
  providers: [AuthorizeService, ConsentsService],
})
export class AuthorizeModule {}
