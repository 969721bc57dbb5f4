import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { lockMailAddress } from '../common/db-locks.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MailService } from '../mail/mail.service.js';
import { passwordChangedMail, passwordResetMail } from '../mail/templates/account-mails.js';
import { newOpaqueToken, SessionsService } from '../sessions/sessions.service.js';
import { normalizeEmail } from '../users/email.js';
import { PasswordHasherService } from '../users/password-hasher.service.js';
import { PasswordPolicyService } from '../users/password-policy.service.js';
import { sha256Hex } from '../common/secrets.js';
import { ResetTokensService } from '../users/reset-tokens.service.js';
import { User } from '../users/user.entity.js';
import { NO_ENUMERATION_FLOOR_MS, withMinDuration } from './min-duration.js';

export const RESET_MAIL_COOLDOWN_SECONDS = 60;
const INVALID_TOKEN = 'Invalid or expired reset token';
/** Stands in for the user id of an unknown address, so both paths run the same queries. */
const NOBODY = '00000000-0000-0000-0000-000000000000';

/** Forgotten password: a mailed single-use token. */
@Injectable()
export class PasswordResetService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasherService,
    private readonly policy: PasswordPolicyService,
    private readonly sessions: SessionsService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly tokens: ResetTokensService,
  ) {}

  /**
   * Mails a reset link when the address has an enabled account and none was mailed in the last
   * minute. Known and unknown addresses do the same work up to the inserts, take at least the
   * same floor time, and the caller answers the same 202 either way.
   */
  requestReset(email: string, client: ClientInfo): Promise<void> {
    return withMinDuration(NO_ENUMERATION_FLOOR_MS, () => this.mailResetLink(email, client));
  }

  private async mailResetLink(email: string, client: ClientInfo): Promise<void> {
    const address = normalizeEmail(email);
    const token = newOpaqueToken();
    const tokenHash = sha256Hex(token);
    await this.dataSource.transaction(async (manager) => {
      await lockMailAddress(manager, address);
      const user = await manager.getRepository(User).findOneBy({ email: address });
      const recent = await this.tokens.countIssuedSince(manager, user?.id ?? NOBODY, RESET_MAIL_COOLDOWN_SECONDS);
      if (!user || user.disabledAt || recent > 0) return;
      const ttl = Math.floor(this.config.resetTokenTtl);
      await this.tokens.issue(manager, user.id, tokenHash, ttl);
      const link = `${this.config.appUrl}/reset-password?token=${token}`;
      await this.mail.enqueue(passwordResetMail(user.email, { link, token, ttlSeconds: ttl }), manager);
      await this.audit.recordIn(manager, { type: 'password_reset_requested', userId: user.id, client });
    });
  }

  /**
   * Sets the new password from a valid token, in one transaction: the token and every other
   * outstanding one die, every session is revoked, and the owner is told by mail. A disabled
   * account's token is refused like an invalid one (disabling ends them; this covers a race).
   */
  async reset(token: string, newPassword: string, client: ClientInfo): Promise<void> {
    this.policy.assertAcceptable(newPassword, 'new_password');
    const tokenHash = sha256Hex(token);
    // Checked before the (deliberately slow) hash, so junk tokens cost no argon2 time.
    const found = await this.tokens.findLive(this.dataSource.manager, tokenHash, false);
    if (!found) throw new BadRequestException(INVALID_TOKEN);
    const passwordHash = await this.hasher.hash(newPassword);
    const done = await this.dataSource.transaction(async (manager) => {
      // The user row first, then the token: the order of every other change that ends tokens
      // (an admin disabling the account), so the two never deadlock.
      const user = await manager
        .getRepository(User)
        .createQueryBuilder('u')
        .where('u.id = :id', { id: found.userId })
        .setLock('pessimistic_write')
        .getOne();
      const row = await this.tokens.findLive(manager, tokenHash, true);
      if (!user || !row || user.disabledAt) return false;
      await this.tokens.endOutstanding(manager, user.id);
      user.passwordHash = passwordHash;
      // Following the mailed link proves the mailbox.
      user.emailVerifiedAt ??= new Date();
      await manager.getRepository(User).save(user);
      const revoked = await this.sessions.revokeAllForUser(user.id, 'password_reset', { manager });
      await this.mail.enqueue(passwordChangedMail(user.email, { when: new Date() }), manager);
      await this.audit.recordIn(manager, {
        type: 'password_reset',
        userId: user.id,
        client,
        details: { sessions_revoked: revoked },
      });
      return true;
    });
    if (!done) throw new BadRequestException(INVALID_TOKEN);
  }
}
