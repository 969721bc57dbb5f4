import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { LimitsModule } from '../limits/limits.module.js';
import { MailModule } from '../mail/mail.module.js';
import { EmailChangeController } from './email-change.controller.js';
import { EmailChangeService } from './email-change.service.js';
import { EmailCode } from './email-code.entity.js';
import { EmailCodesService } from './email-codes.service.js';
import { PasswordResetToken } from './password-reset-token.entity.js';
import { ResetTokensService } from './reset-tokens.service.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AccountService } from './account.service.js';
import { AdminUsersController } from './admin-users.controller.js';
import { PasswordHasherService } from './password-hasher.service.js';
import { PasswordPolicyService } from './password-policy.service.js';
import { UserAdminService } from './user-admin.service.js';
import { UserCacheService } from './user-cache.service.js';
import { User } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([User, EmailCode, PasswordResetToken]),
    MailModule,
    SessionsModule,
    AuditModule,
    LimitsModule,
  ],
  controllers: [UsersController, EmailChangeController, AdminUsersController],
  providers: [
    UsersService,
    PasswordHasherService,
    PasswordPolicyService,
    EmailCodesService,
    EmailChangeService,
    AccountService,
    UserAdminService,
    UserCacheService,
    ResetTokensService,
  ],
  exports: [
    UsersService,
    AccountService,
    PasswordHasherService,
    PasswordPolicyService,
    EmailCodesService,
    EmailChangeService,
    UserAdminService,
    UserCacheService,
    ResetTokensService,
  ],
})
export class UsersModule {}
