import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MailService } from '../mail/mail.service.js';
import { verificationCodeMail } from '../mail/templates/account-mails.js';
import { EmailChangeService } from '../users/email-change.service.js';
import type { EmailCode } from '../users/email-code.entity.js';
import { EmailCodesService, INVALID_CODE } from '../users/email-codes.service.js';
import { normalizeEmail } from '../users/email.js';
import { User } from '../users/user.entity.js';
import { NO_ENUMERATION_FLOOR_MS, withMinDuration } from './min-duration.js';

/** Verifying an address with a mailed code: after sign-up, and to finish an email change. */
@Injectable()
export class EmailVerificationService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly codes: EmailCodesService,
    private readonly emailChange: EmailChangeService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
  ) {}

  /** Issues a verification code for the user's address and enqueues its mail, in the caller's transaction. */
  async sendCode(user: User, manager: EntityManager, options: { enforceLimits: boolean }): Promise<void> {
    const code = await this.codes.issue(manager, user.id, 'verify', user.email, options);
    if (code)
      await this.mail.enqueue(verificationCodeMail(user.email, { code, ttlSeconds: this.config.otpTtl }), manager);
  }

  /** A new code for an unverified account; silent (no error, no mail) for anything else, so nothing is enumerated. */
  resend(email: string): Promise<void> {
    const address = normalizeEmail(email);
    return withMinDuration(NO_ENUMERATION_FLOOR_MS, () =>
      this.dataSource.transaction(async (manager) => {
        const user = await manager.getRepository(User).findOneBy({ email: address });
        if (!user || user.emailVerifiedAt || user.disabledAt) return;
        await this.sendCode(user, manager, { enforceLimits: true });
      }),
    );
  }

  /** Redeems a code sent to `email`: verifies the account's address, or completes an email change. */
  verify(email: string, code: string, client: ClientInfo): Promise<User> {
    return this.codes.redeem(normalizeEmail(email), code, (row, manager) =>
      row.purpose === 'email_change'
        ? this.emailChange.complete(row, manager, client)
        : this.markVerified(row, manager, client),
    );
  }

  private async markVerified(code: EmailCode, manager: EntityManager, client: ClientInfo): Promise<User> {
    const repo = manager.getRepository(User);
    const user = await repo.findOneBy({ id: code.userId });
    // A code for an address the account no longer has is dead.
    if (!user || user.email !== code.targetEmail) throw new BadRequestException(INVALID_CODE);
    if (!user.emailVerifiedAt) {
      user.emailVerifiedAt = new Date();
      await repo.save(user);
      await this.audit.recordIn(manager, { type: 'email_verified', userId: user.id, client, details: { via: 'code' } });
    }
    return user;
  }
}
