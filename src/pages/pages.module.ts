import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { AssetsController } from './assets.controller.js';
import { BrowserSessionService } from './browser-session.service.js';
import { LoginPageController } from './login-page.controller.js';
import { MfaPageController } from './mfa-page.controller.js';
import { PasswordPagesController } from './password-pages.controller.js';
import { RegisterPagesController } from './register-pages.controller.js';
import { PageCsrf } from './page-csrf.js';
import { PageExceptionFilter } from './page-exception.filter.js';
import { PageRenderer } from './page-renderer.js';

/** The hosted pages: renderer and layout, assets, CSRF, the browser session, the sign-in pages. */
@Module({
  imports: [AuthModule, ClientsModule, SessionsModule, UsersModule, AuditModule],
  controllers: [
    AssetsController,
    LoginPageController,
    RegisterPagesController,
    PasswordPagesController,
    MfaPageController,
  ],
  providers: [PageRenderer, PageCsrf, BrowserSessionService, PageExceptionFilter],
  exports: [PageRenderer, PageCsrf, BrowserSessionService, PageExceptionFilter],
})
export class PagesModule {}
