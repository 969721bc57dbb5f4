import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, IsNull, Not } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MailService } from '../mail/mail.service.js';
import { mfaDisabledMail, mfaEnabledMail } from '../mail/templates/account-mails.js';
import { lockUser } from '../users/last-admin.js';
import { User } from '../users/user.entity.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { MfaCrypto } from './mfa-crypto.service.js';
import { MfaFactor } from './mfa-factor.entity.js';
import { RecoveryCode } from './recovery-code.entity.js';
import { replaceRecoveryCodes } from './recovery-code.store.js';
import { matchingStep, newTotpSecret, otpauthUri, qrCodeDataUrl } from './totp.js';

/** An unconfirmed factor dies this long after the enrolment started… */
export const ENROLMENT_TTL_MS = 10 * 60_000;
/** …or at this many wrong confirmation codes. */
export const MAX_CONFIRM_FAILURES = 5;

const INVALID_CODE = 'Invalid code';
const NO_ENROLMENT = 'No enrolment in progress with this factor_id';
/** RFC 8176: the confirming session was a password login and now has a TOTP code too. */
const TOTP_SESSION_AMR = ['pwd', 'otp', 'mfa'];

/** Who is acting, for the audit events. */
export interface MfaActor {
  userId: string;
  sessionId?: string | null;
  client?: ClientInfo;
}

export interface Enrolment {
  factorId: string;
  secret: string;
  otpauthUri: string;
  qrCode: string;
}

export interface MfaStatus {
  enabled: boolean;
  factors: MfaFactor[];
  recoveryCodesRemaining: number;
}

type ConfirmOutcome =
  | { kind: 'confirmed'; factor: MfaFactor; recoveryCodes: string[] | null }
  | { kind: 'wrong_code' }
  | { kind: 'no_enrolment' };

/** A user's own MFA: enrol and confirm TOTP factors, list, delete, regenerate recovery codes. */
@Injectable()
export class MfaEnrolmentService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: MfaCrypto,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
  ) {}

  /** A new unconfirmed factor; the user's previous unconfirmed one dies. */
  async start(userId: string, name: string | undefined): Promise<Enrolment> {
    const secret = newTotpSecret();
    const { factor, user } = await this.dataSource.transaction(async (em) => {
      const user = await this.lockedUser(em, userId);
      await em.delete(MfaFactor, { userId, confirmedAt: IsNull() });
      const factor = await em.getRepository(MfaFactor).save(
        em.getRepository(MfaFactor).create({
          userId,
          name: name ?? null,
          secretCiphertext: this.crypto.sealSecret(secret),
        }),
      );
      return { factor, user };
    });
    const uri = otpauthUri(this.config.mfa.issuer, user.email, secret);
    return { factorId: factor.id, secret, otpauthUri: uri, qrCode: await qrCodeDataUrl(uri) };
  }

  /**
   * Confirms an enrolment with a code of its authenticator. The confirmation that turns MFA on
   * also creates the 10 recovery codes, mails a notice and records `mfa_enabled`. A wrong code
   * counts (the factor dies at the 5th) and answers 400 "Invalid code".
   */
  async confirm(
    actor: MfaActor,
    factorId: string,
    code: string,
  ): Promise<{ factor: MfaFactor; recoveryCodes: string[] | null }> {
    // The wrong-code count must survive the 400, so the transaction returns the outcome.
    const outcome = await this.dataSource.transaction(async (em): Promise<ConfirmOutcome> => {
      const user = await this.lockedUser(em, actor.userId);
      const repo = em.getRepository(MfaFactor);
      const factor = await repo.findOneBy({ id: factorId, userId: user.id, confirmedAt: IsNull() });
      if (!factor) return { kind: 'no_enrolment' };
      if (factor.createdAt.getTime() + ENROLMENT_TTL_MS < Date.now()) {
        await repo.delete({ id: factor.id });
        return { kind: 'no_enrolment' };
      }
      const secret = this.crypto.openSecret(factor.secretCiphertext);
      const step = secret === null ? null : matchingStep(secret, code.trim());
      if (step === null) {
        if (factor.failedAttempts + 1 >= MAX_CONFIRM_FAILURES) await repo.delete({ id: factor.id });
        else await repo.increment({ id: factor.id }, 'failedAttempts', 1);
        return { kind: 'wrong_code' };
      }
      factor.confirmedAt = new Date();
      // The confirming code is spent: it cannot also sign in.
      factor.lastUsedStep = String(step);
      await repo.save(factor);
      let recoveryCodes: string[] | null = null;
      if (!user.mfaEnabled) {
        await em.getRepository(User).update({ id: user.id }, { mfaEnabled: true });
        recoveryCodes = await replaceRecoveryCodes(em, this.crypto, user.id);
        await this.mail.enqueue(mfaEnabledMail(user.email, { when: factor.confirmedAt }), em);
        await this.audit.recordIn(em, {
          type: 'mfa_enabled',
          userId: user.id,
          sessionId: actor.sessionId,
          client: actor.client,
          details: { factor_id: factor.id },
        });
        // The session that just proved the factor stands at aal2 (a password and a TOTP code).
        if (actor.sessionId) await this.sessions.raiseToAal2(actor.sessionId, TOTP_SESSION_AMR, em);
      }
      return { kind: 'confirmed', factor, recoveryCodes };
    });
    if (outcome.kind === 'no_enrolment') throw new NotFoundException(NO_ENROLMENT);
    if (outcome.kind === 'wrong_code') throw new BadRequestException(INVALID_CODE);
    return { factor: outcome.factor, recoveryCodes: outcome.recoveryCodes };
  }

  async status(userId: string): Promise<MfaStatus> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id: userId });
    if (!user) throw new NotFoundException('User not found');
    const factors = await this.dataSource.getRepository(MfaFactor).find({
      where: { userId, confirmedAt: Not(IsNull()) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const recoveryCodesRemaining = await this.dataSource
      .getRepository(RecoveryCode)
      .countBy({ userId, usedAt: IsNull() });
    return { enabled: user.mfaEnabled, factors, recoveryCodesRemaining };
  }

  /** Deletes one confirmed factor of the user; deleting the last turns MFA off (recovery codes go too). */
  async deleteFactor(actor: MfaActor, factorId: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const user = await this.lockedUser(em, actor.userId);
      const repo = em.getRepository(MfaFactor);
      const deleted = await repo.delete({ id: factorId, userId: user.id, confirmedAt: Not(IsNull()) });
      if (deleted.affected !== 1) throw new NotFoundException('Factor not found');
      if ((await repo.countBy({ userId: user.id, confirmedAt: Not(IsNull()) })) > 0) return;
      await this.turnOff(em, user);
      await this.mail.enqueue(mfaDisabledMail(user.email, { when: new Date(), byAdmin: false }), em);
      await this.audit.recordIn(em, {
        type: 'mfa_disabled',
        userId: user.id,
        sessionId: actor.sessionId,
        client: actor.client,
        details: { reason: 'last_factor_deleted' },
      });
    });
  }

  /** Ten new recovery codes; the old ones die. 409 while MFA is off. */
  async regenerateRecoveryCodes(actor: MfaActor): Promise<string[]> {
    return this.dataSource.transaction(async (em) => {
      const user = await this.lockedUser(em, actor.userId);
      if (!user.mfaEnabled) throw new ConflictException('Two-factor authentication is off; confirm a factor first');
      const codes = await replaceRecoveryCodes(em, this.crypto, user.id);
      await this.audit.recordIn(em, {
        type: 'recovery_codes_regenerated',
        userId: user.id,
        sessionId: actor.sessionId,
        client: actor.client,
      });
      return codes;
    });
  }

  /** MFA off: no factor, no recovery code, `mfa_enabled` false (inside the caller's transaction, user row locked). */
  async turnOff(em: EntityManager, user: User): Promise<void> {
    await em.delete(MfaFactor, { userId: user.id });
    await em.delete(RecoveryCode, { userId: user.id });
    if (user.mfaEnabled) await em.getRepository(User).update({ id: user.id }, { mfaEnabled: false });
  }

  private async lockedUser(em: EntityManager, userId: string): Promise<User> {
    const user = await lockUser(em, userId);
    if (!user) throw new NotFoundException('User not found');
    return user;
  }
}
