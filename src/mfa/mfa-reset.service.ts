import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type AuditActor, AuditService } from '../audit/audit.service.js';
import { MailService } from '../mail/mail.service.js';
import { mfaDisabledMail } from '../mail/templates/account-mails.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { lockUser } from '../users/last-admin.js';
import { ResetTokensService } from '../users/reset-tokens.service.js';
import type { User } from '../users/user.entity.js';
import { MfaEnrolmentService } from './mfa-enrolment.service.js';

/**
 * The admin reset (API and CLI), for a user who lost their authenticator and recovery codes:
 * every factor and recovery code goes, every session of the user is revoked and any outstanding
 * password-reset token ends, in one transaction, with a notice mail and a `mfa_reset_by_admin` event. A user without MFA is left
 * as is (only a stray unconfirmed enrolment is removed).
 */
@Injectable()
export class MfaResetService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly enrolment: MfaEnrolmentService,
    private readonly sessions: SessionsService,
    private readonly resetTokens: ResetTokensService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
  ) {}

  async reset(userId: string, actor: AuditActor = {}): Promise<User> {
    return this.dataSource.transaction(async (em) => {
      const user = await lockUser(em, userId);
      if (!user) throw new NotFoundException('User not found');
      const wasEnabled = user.mfaEnabled;
      await this.enrolment.turnOff(em, user);
      if (!wasEnabled) return user;
      user.mfaEnabled = false;
      await this.sessions.revokeAllForUser(user.id, 'mfa_reset', { manager: em });
      await this.resetTokens.endOutstanding(em, user.id);
      await this.mail.enqueue(mfaDisabledMail(user.email, { when: new Date(), byAdmin: true }), em);
      await this.audit.recordIn(em, {
        type: 'mfa_reset_by_admin',
        userId: user.id,
        client: actor.client,
        details: { actor_id: actor.userId ?? null, via: actor.userId ? 'api' : 'cli' },
      });
      return user;
    });
  }
}
