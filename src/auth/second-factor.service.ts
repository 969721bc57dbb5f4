import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { LoginThrottleService } from '../limits/login-throttle.service.js';
import { AttemptsUnavailableError, type ThrottledAttempt, TooManyAttemptsError } from '../limits/throttled-attempt.js';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { MfaService } from '../mfa/mfa.service.js';
import { PasskeyProofService } from '../passkeys/passkey-proof.service.js';
import type { User } from '../users/user.entity.js';
import { LoginThrottledError, LoginUnavailableError } from './login-errors.js';

/** A passkey assertion answering a challenge of POST /auth/passkeys/authentication/options. */
export interface PasskeyAnswer {
  challenge_id: string;
  credential: AuthenticationResponseJSON;
}

/** A second factor as presented: a TOTP code, a recovery code or a passkey. */
export type SecondFactorCode = { otp: string } | { recovery_code: string } | { passkey: PasskeyAnswer };

/** RFC 8176 methods of a password plus the second factor. */
export const TOTP_AMR = ['pwd', 'otp', 'mfa'];
export const RECOVERY_CODE_AMR = ['pwd', 'mfa'];
export const PASSKEY_SECOND_FACTOR_AMR = ['pwd', 'hwk', 'user', 'mfa'];

const AMR = { totp: TOTP_AMR, recovery_code: RECOVERY_CODE_AMR, passkey: PASSKEY_SECOND_FACTOR_AMR };

export interface SecondFactorProof {
  amr: string[];
  /** The back-off slot; the caller settles it (succeed with the session, or reset). */
  attempt: ThrottledAttempt;
}

/**
 * Checks a second factor as a login attempt: it holds a slot of the login back-off (429 while a
 * wait runs), and a wrong code counts as a failed login there and is audited as `mfa_failed`,
 * so that a stolen password does not open unlimited code guessing.
 */
@Injectable()
export class SecondFactorService {
  constructor(
    private readonly throttle: LoginThrottleService,
    private readonly mfa: MfaService,
    private readonly audit: AuditService,
    private readonly passkeys: PasskeyProofService,
  ) {}

  /** The proof, or null for a wrong (or replayed, or used) code. */
  async check(
    user: User,
    identifier: string,
    code: SecondFactorCode,
    client: ClientInfo,
    context: { via: string; sessionId?: string },
  ): Promise<SecondFactorProof | null> {
    const attempt = await this.throttle
      .begin(this.throttle.countersFor(identifier, user.id, client.ip))
      .catch((error: unknown) => {
        if (error instanceof TooManyAttemptsError) throw new LoginThrottledError(error.retryAfter);
        if (error instanceof AttemptsUnavailableError) throw new LoginUnavailableError();
        throw error;
      });
    const method = 'otp' in code ? 'totp' : 'passkey' in code ? 'passkey' : 'recovery_code';
    let valid: boolean;
    try {
      if ('otp' in code) valid = await this.mfa.verifyOtp(user.id, code.otp);
      else if ('passkey' in code) {
        valid = await this.passkeys.verifyForUser(user.id, code.passkey.challenge_id, code.passkey.credential, client);
      } else
        valid = await this.mfa.useRecoveryCode(user.id, code.recovery_code, { client, sessionId: context.sessionId });
    } catch (error) {
      await attempt.release();
      throw error;
    }
    if (valid) return { amr: AMR[method], attempt };
    const lockedNow = await attempt.fail();
    const failed = {
      type: 'mfa_failed' as const,
      userId: user.id,
      sessionId: context.sessionId,
      client,
      details: { method, via: context.via },
    };
    if (lockedNow) this.audit.recordLater(failed, { type: 'login_locked', userId: user.id, client, details: {} });
    else this.audit.recordLater(failed);
    return null;
  }
}
