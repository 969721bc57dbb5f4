import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { lockMailAddress } from '../common/db-locks.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { deriveCodeKey, hashCode, randomNumericCode, sameHash } from './email-code-hash.js';
import { EmailCode, type EmailCodePurpose } from './email-code.entity.js';

/** The one-time code limits (see docs/api.md). */
export const MAX_CODE_ATTEMPTS = 5;
export const RESEND_COOLDOWN_SECONDS = 60;
export const MAX_CODES_PER_HOUR = 5;

export const INVALID_CODE = 'Invalid or expired code';

/**
 * One-time email codes: issued into the caller's transaction, redeemed with a bounded number of
 * wrong tries. Codes are counted per target address, so the cooldown and the hourly cap hold
 * however many requests ask for them.
 */
@Injectable()
export class EmailCodesService {
  private readonly key: Buffer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.key = deriveCodeKey(config);
  }

  /**
   * Issues a code mailed to `target` and kills the user's previous codes of that purpose.
   * Returns the plain code (for the mail only), or null when the cooldown or the hourly cap
   * forbids another one. Run it in the transaction that also enqueues the mail.
   */
  async issue(
    manager: EntityManager,
    userId: string,
    purpose: EmailCodePurpose,
    target: string,
    options: { enforceLimits: boolean },
  ): Promise<string | null> {
    await lockMailAddress(manager, target);
    if (options.enforceLimits && !(await this.mayIssue(manager, target))) return null;
    const repo = manager.getRepository(EmailCode);
    await repo
      .createQueryBuilder()
      .update()
      .set({ consumedAt: () => 'now()' })
      .where('user_id = :userId AND purpose = :purpose AND consumed_at IS NULL', { userId, purpose })
      .execute();
    const code = randomNumericCode(this.config.otpLength);
    const ttl = Math.floor(this.config.otpTtl);
    await repo.insert({
      userId,
      purpose,
      targetEmail: target,
      codeHash: hashCode(this.key, target, code),
      expiresAt: () => `now() + interval '${ttl} seconds'`,
    });
    return code;
  }

  private async mayIssue(manager: EntityManager, target: string): Promise<boolean> {
    const [row] = await manager.query<Array<{ hour: number; recent: number }>>(
      `SELECT count(*)::int AS hour,
              count(*) FILTER (WHERE created_at > now() - $2 * interval '1 second')::int AS recent
         FROM email_codes
        WHERE target_email = $1 AND created_at > now() - interval '1 hour'`,
      [target, RESEND_COOLDOWN_SECONDS],
    );
    return row.recent === 0 && row.hour < MAX_CODES_PER_HOUR;
  }

  /**
   * Redeems a code mailed to `target`: on a match the code is consumed and `apply` runs in the
   * same transaction (its result is returned). A miss counts a wrong try against every live
   * code for the address, committed before the 400, so a code dies after MAX_CODE_ATTEMPTS
   * misses however they are spread. The rows are locked, so parallel guesses queue up.
   */
  async redeem<T>(
    target: string,
    code: string,
    apply: (row: EmailCode, manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    const given = code.trim();
    const outcome = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(EmailCode);
      const live = await repo
        .createQueryBuilder('c')
        .setLock('pessimistic_write')
        .where('c.target_email = :target AND c.consumed_at IS NULL', { target })
        .andWhere('c.expires_at > now() AND c.attempts < :max', { max: MAX_CODE_ATTEMPTS })
        .getMany();
      const givenHash = hashCode(this.key, target, given);
      // Every candidate is compared, so the time does not depend on which one matched.
      const matches = live.filter((row) => sameHash(row.codeHash, givenHash));
      const match = matches[0];
      if (!match) {
        if (live.length > 0) {
          await repo
            .createQueryBuilder()
            .update()
            .set({ attempts: () => 'attempts + 1' })
            .whereInIds(live.map((row) => row.id))
            .execute();
        }
        return { ok: false as const };
      }
      await repo.update({ id: match.id }, { consumedAt: () => 'now()' });
      return { ok: true as const, value: await apply(match, manager) };
    });
    if (!outcome.ok) throw new BadRequestException(INVALID_CODE);
    return outcome.value;
  }

  /** Kills the user's outstanding codes (e.g. after the address changed). */
  async killAll(manager: EntityManager, userId: string): Promise<void> {
    await manager
      .getRepository(EmailCode)
      .createQueryBuilder()
      .update()
      .set({ consumedAt: () => 'now()' })
      .where('user_id = :userId AND consumed_at IS NULL', { userId })
      .execute();
  }
}
