import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { MailModule } from '../mail/mail.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { User } from '../users/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { MfaAdminController } from './mfa-admin.controller.js';
import { MfaCrypto } from './mfa-crypto.service.js';
import { MfaEnrolmentService } from './mfa-enrolment.service.js';
import { MfaResetService } from './mfa-reset.service.js';
import { MfaController } from './mfa.controller.js';
import { MfaFactor } from './mfa-factor.entity.js';
import { MfaChallengesService } from './mfa-challenges.service.js';
import { MfaService } from './mfa.service.js';
import { RecoveryCode } from './recovery-code.entity.js';

/** TOTP factors and recovery codes: enrolment, the second-factor checks, the admin reset. */
@Module({
  imports: [
    TypeOrmModule.forFeature([MfaFactor, RecoveryCode, User]),
    MailModule,
    AuditModule,
    SessionsModule,
    UsersModule,
  ],
  controllers: [MfaController, MfaAdminController],
  providers: [MfaCrypto, MfaService, MfaEnrolmentService, MfaResetService, MfaChallengesService],
  exports: [MfaService, MfaResetService, MfaChallengesService, MfaEnrolmentService],
})
export class MfaModule {}
