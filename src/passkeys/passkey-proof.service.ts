import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import type { DataSource } from 'typeorm';
import { type AuditRecord, AuditService } from '../audit/audit.service.js';
import { LoginRefusedError, LoginThrottledError, LoginUnavailableError } from '../auth/login-errors.js';
import type { LoginProof } from '../auth/login.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { WebauthnConfig } from '../config/webauthn-config.js';
import { LoginThrottleService } from '../limits/login-throttle.service.js';
import { AttemptsUnavailableError, type ThrottledAttempt, TooManyAttemptsError } from '../limits/throttled-attempt.js';
import { User } from '../users/user.entity.js';
import { PasskeyChallengesService } from './passkey-challenges.service.js';
import { PasskeyUserHandle } from './passkey-user-handle.entity.js';
import { Passkey } from './passkey.entity.js';

/** What a verified passkey proves (RFC 8176): a hardware-bound key, unlocked by the user. */
export const PASSKEY_AMR = ['hwk', 'user'];

const CHALLENGE_INVALID = 'The challenge is unknown, expired or already used; start again';
const PASSKEY_REFUSED = 'The passkey could not be verified';
const CLONE_SUSPECTED = 'The passkey was refused: its signature counter did not grow (a cloned authenticator?)';

// The sign counter only moves forward: of two assertions with one counter value (a replay, or a
// clone used in parallel), at most one is accepted. Zero stays zero for authenticators that keep none.
const ADVANCE_SQL = `WITH used AS (
    UPDATE passkeys SET sign_count = $2, last_used_at = now()
     WHERE id = $1 AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0))
    RETURNING id
  ) SELECT id FROM used`;

type Refusal = 'unknown_passkey' | 'bad_signature' | 'user_handle_mismatch' | 'cloned_authenticator';

/**
 * The passwordless login ceremony: the options (discoverable credentials, user verification
 * required), then the check of an assertion into a login proof for LoginService.complete(). Each
 * check holds a slot of the login back-off, keyed on the credential, and a failure counts there.
 */
@Injectable()
export class PasskeyProofService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly challenges: PasskeyChallengesService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  private get relyingParty(): WebauthnConfig {
    if (!this.config.webauthn) throw new NotFoundException('Passkeys are not enabled on this server');
    return this.config.webauthn;
  }

  async authenticationOptions(): Promise<{ challenge_id: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    const rp = this.relyingParty;
    const { challengeId, challenge } = await this.challenges.create('authentication', null);
    const options = await generateAuthenticationOptions({
      rpID: rp.rpId,
      allowCredentials: [],
      userVerification: 'required',
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: 300_000,
    });
    return { challenge_id: challengeId, options };
  }

  /** A login proof (aal2, amr hwk+user), or `invalid_grant` / 429 as for a password. */
  async prove(challengeId: string, credential: AuthenticationResponseJSON, client: ClientInfo): Promise<LoginProof> {
    void this.relyingParty; // 404 while passkeys are off
    // Used up first, whatever follows: a failed ceremony cannot be retried with the same challenge.
    const challenge = await this.challenges.consume(challengeId, 'authentication', null);
    if (!challenge) throw new LoginRefusedError('bad_credentials', CHALLENGE_INVALID);
    const credentialId = typeof credential?.id === 'string' ? credential.id.slice(0, 1400) : '';
    const passkey = credentialId ? await this.dataSource.getRepository(Passkey).findOneBy({ credentialId }) : null;
    const attempt = await this.begin(credentialId, passkey?.userId ?? null, client);
    let refusal: Refusal | null;
    let user: User | null = null;
    try {
      refusal = passkey ? await this.verify(passkey, challenge, credential) : 'unknown_passkey';
      if (!refusal && passkey) user = await this.dataSource.getRepository(User).findOneBy({ id: passkey.userId });
    } catch (error) {
      await attempt.release();
      throw error;
    }
    if (refusal || !user) {
      const reason = refusal ?? 'unknown_passkey';
      await this.refuse(attempt, passkey, reason, client);
      throw new LoginRefusedError(
        'bad_credentials',
        reason === 'cloned_authenticator' ? CLONE_SUSPECTED : PASSKEY_REFUSED,
      );
    }
    if (user.disabledAt) return this.refuseUser(attempt, user, 'disabled', 'This account is disabled', client);
    if (this.config.requireEmailVerification && !user.emailVerifiedAt) {
      return this.refuseUser(attempt, user, 'unverified', 'The email address is not verified yet', client);
    }
    return { user, passwordHash: null, attempt, acr: 'aal2', amr: PASSKEY_AMR };
  }

  /**
   * A passkey as the second step of a login or a step-up: true when the assertion verifies for a
   * passkey of `userId` (the caller holds the back-off slot and counts a false). A stale counter
   * is audited as a suspected clone.
   */
  async verifyForUser(
    userId: string,
    challengeId: string,
    credential: AuthenticationResponseJSON,
    client: ClientInfo,
  ): Promise<boolean> {
    void this.relyingParty; // 404 while passkeys are off
    const challenge = await this.challenges.consume(challengeId, 'authentication', null);
    if (!challenge) return false;
    const credentialId = typeof credential?.id === 'string' ? credential.id.slice(0, 1400) : '';
    const passkey = credentialId ? await this.dataSource.getRepository(Passkey).findOneBy({ credentialId }) : null;
    if (!passkey || passkey.userId !== userId) return false;
    const refusal = await this.verify(passkey, challenge, credential);
    if (refusal === 'cloned_authenticator') {
      this.audit.recordLater({ type: 'passkey_clone_detected', userId, client, details: { passkey_id: passkey.id } });
    }
    return refusal === null;
  }

  /** The library's checks of the assertion, the owner's user handle, then the counter (advanced when it grew). */
  private async verify(
    passkey: Passkey,
    challenge: string,
    credential: AuthenticationResponseJSON,
  ): Promise<Refusal | null> {
    const rp = this.relyingParty;
    const result = await verifyAuthenticationResponse({
      response: credential,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      expectedType: 'webauthn.get',
      requireUserVerification: true,
      // The counter is checked below, in the same statement that advances it.
      credential: { id: passkey.credentialId, publicKey: new Uint8Array(passkey.publicKey), counter: 0 },
    }).catch(() => null);
    if (!result?.verified) return 'bad_signature';
    if (!(await this.belongsToOwner(passkey, credential.response?.userHandle))) return 'user_handle_mismatch';
    if (!(await this.advance(passkey, result.authenticationInfo.newCounter))) return 'cloned_authenticator';
    return null;
  }

  private async begin(credentialId: string, userId: string | null, client: ClientInfo): Promise<ThrottledAttempt> {
    return this.throttle
      .begin(this.throttle.countersFor(`passkey:${credentialId}`, userId, client.ip))
      .catch((error: unknown) => {
        if (error instanceof TooManyAttemptsError) throw new LoginThrottledError(error.retryAfter);
        if (error instanceof AttemptsUnavailableError) throw new LoginUnavailableError();
        throw error;
      });
  }

  private async belongsToOwner(passkey: Passkey, userHandle: string | undefined): Promise<boolean> {
    if (!userHandle) return false;
    const owner = await this.dataSource.getRepository(PasskeyUserHandle).findOneBy({ userId: passkey.userId });
    return owner?.handle === userHandle;
  }

  private async advance(passkey: Passkey, newCounter: number): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(ADVANCE_SQL, [passkey.id, newCounter]);
    return rows.length === 1;
  }

  private async refuse(
    attempt: ThrottledAttempt,
    passkey: Passkey | null,
    reason: Refusal,
    client: ClientInfo,
  ): Promise<void> {
    const lockedNow = await attempt.fail();
    const userId = passkey?.userId ?? null;
    const events: AuditRecord[] = [
      { type: 'login_failure' as const, userId, client, details: { reason, method: 'passkey' } },
      ...(reason === 'cloned_authenticator' && passkey
        ? [{ type: 'passkey_clone_detected' as const, userId, client, details: { passkey_id: passkey.id } }]
        : []),
      ...(lockedNow ? [{ type: 'login_locked' as const, userId, client, details: {} }] : []),
    ];
    this.audit.recordLater(...events);
  }

  private async refuseUser(
    attempt: ThrottledAttempt,
    user: User,
    reason: 'disabled' | 'unverified',
    message: string,
    client: ClientInfo,
  ): Promise<never> {
    const lockedNow = await attempt.fail();
    const failure = { type: 'login_failure' as const, userId: user.id, client, details: { reason, method: 'passkey' } };
    if (lockedNow) this.audit.recordLater(failure, { type: 'login_locked', userId: user.id, client, details: {} });
    else this.audit.recordLater(failure);
    throw new LoginRefusedError(reason, message);
  }
}
