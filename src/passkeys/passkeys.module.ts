import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { LimitsModule } from '../limits/limits.module.js';
import { MailModule } from '../mail/mail.module.js';
import { PasskeyChallenge } from './passkey-challenge.entity.js';
import { PasskeyChallengesService } from './passkey-challenges.service.js';
import { PasskeyProofService } from './passkey-proof.service.js';
import { PasskeyUserHandle } from './passkey-user-handle.entity.js';
import { Passkey } from './passkey.entity.js';
import { PasskeysController } from './passkeys.controller.js';
import { PasskeysService } from './passkeys.service.js';

/** WebAuthn credentials and their ceremonies; the login itself ends in the auth module's LoginService. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Passkey, PasskeyUserHandle, PasskeyChallenge]),
    MailModule,
    AuditModule,
    LimitsModule,
  ],
  controllers: [PasskeysController],
  providers: [PasskeysService, PasskeyChallengesService, PasskeyProofService],
  exports: [PasskeyProofService, PasskeysService],
})
export class PasskeysModule {}
