import type { EntityManager } from 'typeorm';
import type { MfaCrypto } from './mfa-crypto.service.js';
import { newRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js';
import { RecoveryCode } from './recovery-code.entity.js';

/** Replaces the user's recovery codes by 10 new ones (inside the caller's transaction); returns them as shown. */
export async function replaceRecoveryCodes(em: EntityManager, crypto: MfaCrypto, userId: string): Promise<string[]> {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(newRecoveryCode());
  const shown = [...codes];
  await em.delete(RecoveryCode, { userId });
  await em.insert(
    RecoveryCode,
    shown.map((code) => ({ userId, codeHash: crypto.recoveryCodeHash(normalizeRecoveryCode(code)!) })),
  );
  return shown;
}
