import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PasswordResetToken } from './password-reset-token.entity.js';

/**
 * The password_reset_tokens table. The auth module issues and redeems tokens through it; every
 * change that must end a pending reset (password changed or reset, email changed, account
 * disabled, MFA reset by an admin) calls endOutstanding() in its own transaction.
 */
@Injectable()
export class ResetTokensService {
  async issue(manager: EntityManager, userId: string, tokenHash: string, ttlSeconds: number): Promise<void> {
    const ttl = Math.floor(ttlSeconds);
    await manager.getRepository(PasswordResetToken).insert({
      userId,
      tokenHash,
      expiresAt: () => `now() + interval '${ttl} seconds'`,
    });
  }

  /** Tokens issued to the user in the last `seconds` (the mail cooldown). */
  countIssuedSince(manager: EntityManager, userId: string, seconds: number): Promise<number> {
    return manager
      .getRepository(PasswordResetToken)
      .createQueryBuilder('t')
      .where('t.user_id = :userId', { userId })
      .andWhere("t.created_at > now() - :seconds * interval '1 second'", { seconds })
      .getCount();
  }

  /** The unused, unexpired token with this hash; `lock` holds it until the transaction ends. */
  findLive(manager: EntityManager, tokenHash: string, lock: boolean): Promise<PasswordResetToken | null> {
    const query = manager
      .getRepository(PasswordResetToken)
      .createQueryBuilder('t')
      .where('t.token_hash = :tokenHash AND t.used_at IS NULL AND t.expires_at > now()', { tokenHash });
    if (lock) query.setLock('pessimistic_write');
    return query.getOne();
  }

  /** Ends every reset token of the user that is still usable; returns how many. */
  async endOutstanding(manager: EntityManager, userId: string): Promise<number> {
    const result = await manager
      .getRepository(PasswordResetToken)
      .createQueryBuilder()
      .update()
      .set({ usedAt: () => 'now()' })
      .where('user_id = :userId AND used_at IS NULL', { userId })
      .execute();
    return result.affected ?? 0;
  }
}
