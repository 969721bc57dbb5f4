import { HttpException, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { OAuthError } from '../common/oauth-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LoginThrottleService } from '../limits/login-throttle.service.js';
import { AttemptsUnavailableError, type ThrottledAttempt, TooManyAttemptsError } from '../limits/throttled-attempt.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { MfaChallengesService } from '../mfa/mfa-challenges.service.js';
import { MfaService } from '../mfa/mfa.service.js';
import { normalizeEmail } from '../users/email.js';
import { PasswordHasherService } from '../users/password-hasher.service.js';
import type { SessionAcr } from '../sessions/session.entity.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { AccessTokenService } from './access-token.service.js';
import { type IssuedTokens, withAccessToken } from './issued-tokens.js';
import {
  BAD_CREDENTIALS,
  type LoginRefusal,
  LoginRefusedError,
  LoginThrottledError,
  LoginUnavailableError,
} from './login-errors.js';
import { LoginSessionWriter } from './login-session.writer.js';
import { grantScopes } from './scopes.js';
import { type SecondFactorCode, SecondFactorService } from './second-factor.service.js';

const MAX_CREDENTIAL_LENGTH = 1024;
const INVALID_SCOPE = 'The requested scope is unknown or not allowed for this account';

/**
 * A user who just proved who they are. A password proof names the hash it was checked against
 * (complete() refuses the login if the account has another one by then) and holds the attempt's
 * throttle slot until complete() settles it; other proofs pass `passwordHash: null` and no attempt.
 */
export interface LoginProof {
  user: User;
  passwordHash: string | null;
  attempt?: ThrottledAttempt;
  /** The assurance the proof reaches: a password alone is aal1 with amr ["pwd"]. */
  acr: SessionAcr;
  amr: string[];
  /** The identifier as typed, normalised (password proofs): the back-off key of a second step. */
  login?: string;
}

/** A password login ends in a session, or (MFA on) in the challenge of its second step. */
export type PasswordOutcome =
  { mfaRequired: false; issued: IssuedTokens } | { mfaRequired: true; mfaToken: string; methods: string[] };

/** The second step's mfa_token is dead (the pages then start the sign-in over). */
export const MFA_TOKEN_INVALID = 'The mfa_token is invalid, expired, already used or out of attempts; sign in again';
const WRONG_CODE = 'The code is wrong or was already used';

/** What a password alone proves (RFC 8176 `pwd`). */
export const PASSWORD_AMR = ['pwd'];

/** What a sign-in at another provider proves (`fed`, as OpenID's amr registry uses it); aal1. */
export const FEDERATED_AMR = ['fed'];

/** The methods of a second step after a federated first one: `fed` takes the place of `pwd`. */
export function federatedSecondFactorAmr(secondStep: string[]): string[] {
  return ['fed', ...secondStep.filter((method) => method !== 'pwd')];
}

/** How the login's tokens reach the client (audit detail). */
export type LoginVia = 'token' | 'cookie';

/** A session opened for an OAuth client (authorization code): the client, and the browser login's auth_time. */
export interface CompleteOptions {
  clientId?: string | null;
  authTime?: Date | null;
}

/** The login identifier as typed, normalised as the account lookup sees it. */
export function normalizeLogin(login: string): string {
  const value = login.trim();
  return value.includes('@') ? normalizeEmail(value) : value.toLowerCase();
}

/**
 * "A user proved who they are → a session", the one path of every login: the password check
 * (throttled, see LoginThrottleService), then complete(): scope, session, audit event and the
 * reset of the counters in one statement, which also refuses the login if the account changed
 * its password or was disabled while the proof was being checked.
 */
@Injectable()
export class LoginService {
  private readonly logger = new Logger(LoginService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasherService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly accessTokens: AccessTokenService,
    private readonly writer: LoginSessionWriter,
    private readonly challenges: MfaChallengesService,
    private readonly mfa: MfaService,
    private readonly secondFactor: SecondFactorService,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /**
   * The proof, or `invalid_grant` with one message for unknown account and wrong password, or
   * 429 while the back-off runs (also for the right password). Unknown account, wrong password,
   * disabled and unverified all do the same work: one lookup, one slot, one verify, one counter
   * update, one background audit insert.
   */
  async checkPassword(login: string, password: string, client: ClientInfo): Promise<LoginProof> {
    try {
      const proof = await this.check(login, password, client);
      this.metrics?.login('success');
      return proof;
    } catch (error) {
      // Database errors are not a login outcome.
      if (error instanceof HttpException && error.getStatus() < 500) {
        this.metrics?.login(error.getStatus() === 429 ? 'locked' : 'failure');
      }
      throw error;
    }
  }

  /** The session and its tokens for a proven user; `invalid_grant` if the proof went stale. */
  async complete(
    proof: LoginProof,
    client: ClientInfo,
    requestedScope: string | undefined,
    via: LoginVia | 'authorization_code',
    options: CompleteOptions = {},
  ): Promise<IssuedTokens> {
    const { user } = proof;
    const clientId = options.clientId ?? null;
    const scopes = grantScopes(requestedScope, user.roles);
    if (!scopes) {
      await proof.attempt?.reset();
      throw new OAuthError('invalid_scope', INVALID_SCOPE);
    }
    const scope = scopes.join(' ');
    const write = (throttleKeys: string[]) =>
      this.writer.create({
        userId: user.id,
        passwordHash: proof.passwordHash,
        client,
        lifetimeSeconds: this.config.refreshTokenTtl,
        scope,
        acr: proof.acr,
        amr: proof.amr,
        event: this.audit.row({
          type: 'login_success',
          userId: user.id,
          client,
          details: clientId ? { via, scope, client_id: clientId } : { via, scope },
        }),
        throttleKeys,
        clientId,
        authTime: options.authTime ?? null,
      });
    const created = proof.attempt ? await proof.attempt.succeed(write) : await write([]);
    if (!created) {
      this.audit.recordLater({ type: 'login_failure', userId: user.id, client, details: { reason: 'stale_proof' } });
      throw new LoginRefusedError('bad_credentials', BAD_CREDENTIALS);
    }
    return withAccessToken(this.accessTokens, user, created.session, created.refreshToken, scopes);
  }

  /**
   * After a proven password: the session, or for a user with MFA on no session yet but an
   * mfa_token bound to the user, the scope asked and the flow. The password alone does not start
   * the back-off streak over (its slot is freed uncounted): only the completed login does, so
   * wrong second-factor codes keep adding up across new mfa_tokens.
   */
  async afterPassword(
    proof: LoginProof,
    client: ClientInfo,
    requestedScope: string | undefined,
    via: LoginVia,
  ): Promise<PasswordOutcome> {
    const { user } = proof;
    if (!user.mfaEnabled)
      return { mfaRequired: false, issued: await this.complete(proof, client, requestedScope, via) };
    await proof.attempt?.release();
    if (!grantScopes(requestedScope, user.roles)) throw new OAuthError('invalid_scope', INVALID_SCOPE);
    const mfaToken = await this.challenges.create({
      userId: user.id,
      login: proof.login ?? normalizeLogin(user.email),
      passwordHash: proof.passwordHash ?? user.passwordHash,
      scope: requestedScope,
      flow: via,
      firstFactor: proof.amr.includes('fed') ? 'fed' : 'pwd',
    });
    return { mfaRequired: true, mfaToken, methods: await this.mfa.methodsFor(user.id) };
  }

  /**
   * The second step: the mfa_token (one attempt taken per code) and a TOTP or recovery code →
   * a new aal2 session with the scope asked in the first step. `invalid_grant` for a wrong
   * code (counted in the back-off, audited `mfa_failed`) and for a dead mfa_token.
   */
  async withSecondFactor(
    mfaToken: string,
    code: SecondFactorCode,
    client: ClientInfo,
    via: LoginVia,
  ): Promise<IssuedTokens> {
    const challenge = await this.challenges.claim(mfaToken, via);
    if (!challenge) throw new OAuthError('invalid_grant', MFA_TOKEN_INVALID);
    const user = await this.users.findById(challenge.userId);
    if (!user || !user.mfaEnabled || !challenge.samePassword(user.passwordHash)) {
      throw new OAuthError('invalid_grant', MFA_TOKEN_INVALID);
    }
    const proven = await this.secondFactor.check(user, challenge.login, code, client, { via });
    if (!proven) throw new OAuthError('invalid_grant', WRONG_CODE);
    if (!(await this.challenges.consume(challenge.id))) {
      await proven.attempt.release();
      throw new OAuthError('invalid_grant', MFA_TOKEN_INVALID);
    }
    const proof: LoginProof = {
      user,
      passwordHash: user.passwordHash,
      attempt: proven.attempt,
      acr: 'aal2',
      amr: challenge.firstFactor === 'fed' ? federatedSecondFactorAmr(proven.amr) : proven.amr,
    };
    return this.complete(proof, client, challenge.scope ?? undefined, via);
  }

  /** The password grant and the browser login: checkPassword, then complete. */
  async withPassword(
    login: string,
    password: string,
    client: ClientInfo,
    scope: string | undefined,
    via: LoginVia,
  ): Promise<IssuedTokens> {
    return this.complete(await this.checkPassword(login, password, client), client, scope, via);
  }

  private async check(login: string, password: string, client: ClientInfo): Promise<LoginProof> {
    if (login.length > MAX_CREDENTIAL_LENGTH || password.length > MAX_CREDENTIAL_LENGTH) {
      throw new LoginRefusedError('bad_credentials', BAD_CREDENTIALS);
    }
    const user = await this.users.findByLogin(login);
    const counters = this.throttle.countersFor(normalizeLogin(login), user?.id ?? null, client.ip);
    const attempt = await this.throttle.begin(counters).catch((error: unknown) => {
      if (error instanceof TooManyAttemptsError) throw new LoginThrottledError(error.retryAfter);
      if (error instanceof AttemptsUnavailableError) throw new LoginUnavailableError();
      throw error;
    });
    let refusal: LoginRefusedError | undefined;
    let needsRehash = false;
    try {
      if (!user) {
        await this.hasher.verifyDummy(password);
        refusal = new LoginRefusedError('bad_credentials', BAD_CREDENTIALS);
      } else {
        const result = await this.hasher.verify(user.passwordHash, password);
        needsRehash = result.needsRehash;
        if (!result.valid) refusal = new LoginRefusedError('bad_credentials', BAD_CREDENTIALS);
        else if (user.disabledAt) refusal = new LoginRefusedError('disabled', 'This account is disabled');
        else if (this.config.requireEmailVerification && !user.emailVerifiedAt) {
          refusal = new LoginRefusedError('unverified', 'The email address is not verified yet');
        }
      }
    } catch (error) {
      await attempt.release();
      throw error;
    }
    if (refusal) {
      this.recordRefusal(user, refusal.reason, await attempt.fail(), client);
      throw refusal;
    }
    const proven = user!;
    const passwordHash = needsRehash ? await this.upgradeHash(proven, password) : proven.passwordHash;
    return { user: proven, passwordHash, attempt, acr: 'aal1', amr: PASSWORD_AMR, login: normalizeLogin(login) };
  }

  private recordRefusal(user: User | null, reason: LoginRefusal, lockedNow: boolean, client: ClientInfo): void {
    const userId = user?.id ?? null;
    const failure = {
      type: 'login_failure' as const,
      userId,
      client,
      details: { reason: user ? reason : 'unknown_account' },
    };
    if (lockedNow) this.audit.recordLater(failure, { type: 'login_locked', userId, client, details: {} });
    else this.audit.recordLater(failure);
  }

  /**
   * Out-of-date argon2 parameters and legacy bcrypt hashes become current argon2id on login,
   * only while the account still has the verified hash (a reset in between wins). Returns the
   * hash the account has now as far as this login knows.
   */
  private async upgradeHash(user: User, password: string): Promise<string | null> {
    if (user.passwordHash === null) return null;
    try {
      const hash = await this.hasher.hash(password);
      if (await this.users.replacePasswordHash(user.id, user.passwordHash, hash)) return hash;
    } catch (error) {
      this.logger.warn({ user_id: user.id, err: error }, 'Password hash upgrade failed; will retry on next login');
    }
    return user.passwordHash;
  }
}
