import { ConflictException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../common/principal.js';
import type { ClientInfo } from '../common/client-info.js';
import { isUniqueViolation } from '../common/db-errors.js';
import { LoginThrottleService } from '../limits/login-throttle.service.js';
import { MailService } from '../mail/mail.service.js';
import { passwordChangedMail } from '../mail/templates/account-mails.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { NO_PASSWORD } from './no-password.js';
import { PasswordHasherService } from './password-hasher.service.js';
import { PasswordPolicyService } from './password-policy.service.js';
import { ResetTokensService } from './reset-tokens.service.js';
import { UserAdminService } from './user-admin.service.js';
import { User } from './user.entity.js';

export interface ProfileChange {
  username?: string | null;
  displayName?: string | null;
}

/** Self-service on the caller's own account: profile, password, deletion. */
@Injectable()
export class AccountService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasherService,
    private readonly policy: PasswordPolicyService,
    private readonly sessions: SessionsService,
    private readonly admin: UserAdminService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottleService,
    private readonly resetTokens: ResetTokensService,
  ) {}

  async updateProfile(userId: string, change: ProfileChange): Promise<User> {
    const user = await this.load(userId);
    if (change.username !== undefined) user.username = change.username;
    if (change.displayName !== undefined) user.displayName = change.displayName;
    try {
      return await this.users.save(user);
    } catch (error) {
      if (isUniqueViolation(error, 'UQ_users_username')) throw new ConflictException('Username is already taken');
      throw error;
    }
  }

  /**
   * Checks the current password (403), the new one (400), then swaps the hash, ends the other
   * sessions and any pending reset token, and mails the "password changed" notice, in one transaction.
   */
  async changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<void> {
    const user = await this.load(principal.userId);
    await this.assertPassword(user, currentPassword, 'Current password is incorrect', client);
    this.policy.assertAcceptable(newPassword, 'new_password');
    // Hash before the transaction: argon2 takes tens of milliseconds and needs no lock.
    const passwordHash = await this.hasher.hash(newPassword);
    await this.users.manager.transaction(async (em) => {
      await em.getRepository(User).update({ id: user.id }, { passwordHash });
      const revoked = await this.sessions.revokeAllForUser(user.id, 'password_change', {
        except: principal.sessionId,
        manager: em,
      });
      await this.resetTokens.endOutstanding(em, user.id);
      await this.mail.enqueue(passwordChangedMail(user.email, { when: new Date() }), em);
      await this.audit.recordIn(em, {
        type: 'password_changed',
        userId: user.id,
        sessionId: principal.sessionId,
        client,
        details: { sessions_revoked: revoked },
      });
    });
  }

  /** Hard delete of the caller's account and everything that hangs off it, in one transaction. */
  async deleteAccount(userId: string, password: string, client: ClientInfo): Promise<void> {
    const user = await this.load(userId);
    await this.assertPassword(user, password, 'Password is incorrect', client);
    await this.admin.delete(user.id);
  }

  private async load(userId: string): Promise<User> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw new NotFoundException('User not found');
    return user;
  }

  /**
   * 403, not 401: the caller is authenticated; the re-entered password is what is wrong. A
   * re-check is a login attempt: it counts in the account's back-off (429 while a wait runs).
   */
  private async assertPassword(user: User, password: string, message: string, client: ClientInfo): Promise<void> {
    if (user.passwordHash === null) throw new ForbiddenException(NO_PASSWORD);
    const valid = await this.throttle.checkPassword(user.email, user.id, client.ip, async () => {
      return (await this.hasher.verify(user.passwordHash, password)).valid;
    });
    if (!valid) throw new ForbiddenException(message);
  }
}
