import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
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
import { User } from '../users/user.entity.js';
import { NO_ENUMERATION_FLOOR_MS, withMinDuration } from './min-duration.js';
import { PasswordResetToken } from './password-reset-token.entity.js';

export const RESET_MAIL_COOLDOWN_SECONDS = 60;
const INVALID_TOKEN = 'Invalid or expired reset token';
/** Stands in for the user id of an unknown address, so both paths run the same queries. */
const NOBODY = '00000000-0000-0000-0000-000000000000';

/** Forgotten password: a mailed single-use token (contract §4). */
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
      const recent = await manager
        .getRepository(PasswordResetToken)
        .createQueryBuilder('t')
        .where('t.user_id = :userId', { userId: user?.id ?? NOBODY })
        .andWhere("t.created_at > now() - :cooldown * interval '1 second'", { cooldown: RESET_MAIL_COOLDOWN_SECONDS })
        .getCount();
      if (!user || user.disabledAt || recent > 0) return;
      const ttl = Math.floor(this.config.resetTokenTtl);
      await manager.getRepository(PasswordResetToken).insert({
        userId: user.id,
        tokenHash,
        expiresAt: () => `now() + interval '${ttl} seconds'`,
      });
      const link = `${this.config.appUrl}/reset-password?token=${token}`;
      await this.mail.enqueue(passwordResetMail(user.email, { link, token, ttlSeconds: ttl }), manager);
      await this.audit.recordIn(manager, { type: 'password_reset_requested', userId: user.id, client });
    });
  }

  /**
   * Sets the new password from a valid token, in one transaction: the token and every other
   * outstanding one die, every session is revoked, and the owner is told by mail.
   */
  async reset(token: string, newPassword: string, client: ClientInfo): Promise<void> {
    this.policy.assertAcceptable(newPassword, 'new_password');
    const tokenHash = sha256Hex(token);
    // Checked before the (deliberately slow) hash, so junk tokens cost no argon2 time.
    if (!(await this.findLive(this.dataSource.manager, tokenHash, false))) throw new BadRequestException(INVALID_TOKEN);
    const passwordHash = await this.hasher.hash(newPassword);
    const done = await this.dataSource.transaction(async (manager) => {
      const row = await this.findLive(manager, tokenHash, true);
      const user = row && (await manager.getRepository(User).findOneBy({ id: row.userId }));
      if (!user) return false;
      await manager
        .getRepository(PasswordResetToken)
        .createQueryBuilder()
        .update()
        .set({ usedAt: () => 'now()' })
        .where('user_id = :userId AND used_at IS NULL', { userId: user.id })
        .execute();
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

  private findLive(manager: EntityManager, tokenHash: string, lock: boolean): Promise<PasswordResetToken | null> {
    const query = manager
      .getRepository(PasswordResetToken)
      .createQueryBuilder('t')
      .where('t.token_hash = :tokenHash AND t.used_at IS NULL AND t.expires_at > now()', { tokenHash });
    if (lock) query.setLock('pessimistic_write');
    return query.getOne();
  }
}
