import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { isUniqueViolation } from '../common/db-errors.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LoginThrottleService } from '../limits/login-throttle.service.js';
import { MailService } from '../mail/mail.service.js';
import { emailChangeCodeMail, emailChangedMail } from '../mail/templates/account-mails.js';
import { EmailCode } from './email-code.entity.js';
import { EmailCodesService, INVALID_CODE, MAX_CODE_ATTEMPTS } from './email-codes.service.js';
import { normalizeEmail } from './email.js';
import { NO_PASSWORD } from './no-password.js';
import { PasswordHasherService } from './password-hasher.service.js';
import { ResetTokensService } from './reset-tokens.service.js';
import { User } from './user.entity.js';
import { UsersService } from './users.service.js';

const EMAIL_TAKEN = 'Email is already registered';

/**
 * Changing the address: a code goes to the new address; the old one keeps working until the
 * code is redeemed on POST /auth/verify-email, and is then told about the switch.
 */
@Injectable()
export class EmailChangeService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasherService,
    private readonly codes: EmailCodesService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottleService,
    private readonly resetTokens: ResetTokensService,
  ) {}

  /**
   * 403 wrong password (counted in the account's back-off, 429 while a wait runs), 409 address
   * taken; otherwise a code is mailed (unless the cooldown holds).
   */
  async request(userId: string, newEmail: string, password: string, client: ClientInfo): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('User not found');
    if (user.passwordHash === null) throw new ForbiddenException(NO_PASSWORD);
    const valid = await this.throttle.checkPassword(user.email, user.id, client.ip, async () => {
      return (await this.hasher.verify(user.passwordHash, password)).valid;
    });
    if (!valid) throw new ForbiddenException('Password is incorrect');
    const target = normalizeEmail(newEmail);
    if (target === user.email) throw new BadRequestException(['new_email is already the address of this account']);
    if (await this.users.findByEmail(target)) throw new ConflictException(EMAIL_TAKEN);
    await this.dataSource.transaction(async (manager) => {
      const code = await this.codes.issue(manager, user.id, 'email_change', target, { enforceLimits: true });
      if (!code) return;
      await this.mail.enqueue(emailChangeCodeMail(target, { code, ttlSeconds: this.config.otpTtl }), manager);
      await this.audit.recordIn(manager, {
        type: 'email_change_requested',
        userId: user.id,
        client,
        details: { new_email: target },
      });
    });
  }

  /** The address a live email-change code of the user was mailed to (the newest), for the account page. */
  async pending(userId: string): Promise<{ email: string; expiresAt: Date } | null> {
    const row = await this.dataSource
      .getRepository(EmailCode)
      .createQueryBuilder('c')
      .where("c.user_id = :userId AND c.purpose = 'email_change' AND c.consumed_at IS NULL", { userId })
      .andWhere('c.expires_at > now() AND c.attempts < :max', { max: MAX_CODE_ATTEMPTS })
      .orderBy('c.created_at', 'DESC')
      .getOne();
    return row ? { email: row.targetEmail, expiresAt: row.expiresAt } : null;
  }

  /**
   * Redeems the user's own email-change code for `newEmail` (the account page's form); a code of
   * another account for the same address is refused as invalid and stays unspent.
   */
  confirmOwn(userId: string, newEmail: string, code: string, client: ClientInfo): Promise<User> {
    return this.codes.redeem(normalizeEmail(newEmail), code, (row, manager) => {
      if (row.userId !== userId || row.purpose !== 'email_change') throw new BadRequestException(INVALID_CODE);
      return this.complete(row, manager, client);
    });
  }

  /** Applies a redeemed email-change code (inside the redeeming transaction); 409 when the address was taken meanwhile. */
  async complete(code: EmailCode, manager: EntityManager, client: ClientInfo): Promise<User> {
    const repo = manager.getRepository(User);
    const user = await repo.findOneBy({ id: code.userId });
    if (!user) throw new BadRequestException('Invalid or expired code');
    if (await repo.findOneBy({ email: code.targetEmail })) throw new ConflictException(EMAIL_TAKEN);
    const oldEmail = user.email;
    user.email = code.targetEmail;
    // Redeeming the code proves the new mailbox.
    user.emailVerifiedAt = new Date();
    try {
      await repo.save(user);
    } catch (error) {
      if (isUniqueViolation(error, 'UQ_users_email')) throw new ConflictException(EMAIL_TAKEN);
      throw error;
    }
    await this.codes.killAll(manager, user.id);
    // A reset link mailed to the old address must not outlive the switch.
    await this.resetTokens.endOutstanding(manager, user.id);
    await this.mail.enqueue(emailChangedMail(oldEmail, { newEmail: user.email }), manager);
    await this.audit.recordIn(manager, {
      type: 'email_changed',
      userId: user.id,
      client,
      details: { old_email: oldEmail, new_email: user.email },
    });
    return user;
  }
}
