import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, IsNull, Not } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { MailService } from '../mail/mail.service.js';
import { recoveryCodeUsedMail } from '../mail/templates/account-mails.js';
import { User } from '../users/user.entity.js';
import { MfaCrypto } from './mfa-crypto.service.js';
import { MfaFactor } from './mfa-factor.entity.js';
import { RecoveryCode } from './recovery-code.entity.js';
import { normalizeRecoveryCode } from './recovery-codes.js';
import { matchingStep } from './totp.js';

export type MfaMethod = 'totp' | 'recovery_code' | 'passkey';

/** Where a second-factor proof came from, for the audit event it causes. */
export interface MfaProofContext {
  client?: ClientInfo;
  sessionId?: string | null;
}

/** The second factor as the login and step-up flows check it. */
@Injectable()
export class MfaService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: MfaCrypto,
    private readonly mail: MailService,
    private readonly audit: AuditService,
  ) {}

  /**
   * True when `code` is the code of the previous, current or next 30 s step of one of the
   * user's confirmed TOTP factors and that step is newer than the last one the factor accepted.
   * The step is advanced by one conditional UPDATE, so of two requests (on any instances)
   * presenting the same code exactly one wins. No audit event, no counter: the caller's.
   */
  async verifyOtp(userId: string, code: string): Promise<boolean> {
    const otp = code.trim();
    if (!/^\d{6}$/.test(otp)) return false;
    const factors = await this.dataSource.getRepository(MfaFactor).find({
      where: { userId, confirmedAt: Not(IsNull()) },
      order: { createdAt: 'ASC' },
    });
    const now = Date.now();
    for (const factor of factors) {
      const secret = this.crypto.openSecret(factor.secretCiphertext);
      const step = secret === null ? null : matchingStep(secret, otp, now);
      if (step === null) continue;
      const result = await this.dataSource
        .createQueryBuilder()
        .update(MfaFactor)
        .set({ lastUsedStep: String(step), lastUsedAt: () => 'now()' })
        .where('id = :id AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < :step)', {
          id: factor.id,
          step,
        })
        .execute();
      if (result.affected === 1) return true;
    }
    return false;
  }

  /**
   * True when `code` is one of the user's unused recovery codes (any case, hyphen optional);
   * it is marked used by one conditional UPDATE (single use under concurrency). Mails the
   * "recovery code used" notice with how many remain and records `recovery_code_used`.
   */
  async useRecoveryCode(userId: string, code: string, context: MfaProofContext = {}): Promise<boolean> {
    const normalized = normalizeRecoveryCode(code);
    if (normalized === null) return false;
    const codeHash = this.crypto.recoveryCodeHash(normalized);
    return this.dataSource.transaction(async (em) => {
      const used = await em
        .createQueryBuilder()
        .update(RecoveryCode)
        .set({ usedAt: () => 'now()' })
        .where('user_id = :userId AND code_hash = :codeHash AND used_at IS NULL', { userId, codeHash })
        .execute();
      if (used.affected !== 1) return false;
      const remaining = await em.getRepository(RecoveryCode).countBy({ userId, usedAt: IsNull() });
      const user = await em.getRepository(User).findOneByOrFail({ id: userId });
      await this.mail.enqueue(recoveryCodeUsedMail(user.email, { remaining }), em);
      await this.audit.recordIn(em, {
        type: 'recovery_code_used',
        userId,
        sessionId: context.sessionId,
        client: context.client,
        details: { remaining },
      });
      return true;
    });
  }

  /** The second steps an MFA user can take (`[]` for a user without MFA). */
  async methodsFor(userId: string): Promise<MfaMethod[]> {
    const user = await this.dataSource
      .getRepository(User)
      .findOne({ where: { id: userId }, select: { id: true, mfaEnabled: true } });
    if (!user?.mfaEnabled) return [];
    // A passkey of the user's answers the second step too (passkeys module's table, read only).
    const [passkey] = await this.dataSource.query<unknown[]>('SELECT 1 FROM passkeys WHERE user_id = $1 LIMIT 1', [
      userId,
    ]);
    return passkey ? ['totp', 'recovery_code', 'passkey'] : ['totp', 'recovery_code'];
  }
}
