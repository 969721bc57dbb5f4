import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { MfaModule } from '../mfa/mfa.module.js';
import { PagesModule } from '../pages/pages.module.js';
import { PasskeysModule } from '../passkeys/passkeys.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountPageController } from './account-page.controller.js';
import { AccountPage } from './account-page.js';
import { AccountSecurityController } from './account-security.controller.js';
import { AccountProvidersController } from './account-providers.controller.js';
import { AccountViewService } from './account-view.service.js';
import { FederationModule } from '../federation/federation.module.js';
import { LinkedProvidersService } from './linked-providers.service.js';

/** The hosted /account page: the user's own profile, password, sessions, two-factor, passkeys and activity. */
@Module({
  imports: [PagesModule, UsersModule, SessionsModule, MfaModule, PasskeysModule, AuditModule, FederationModule],
  controllers: [AccountPageController, AccountSecurityController, AccountProvidersController],
  providers: [AccountPage, AccountViewService, LinkedProvidersService],
})
export class AccountPageModule {}
