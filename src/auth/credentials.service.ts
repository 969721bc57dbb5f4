import { HttpException, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LoginThrottleService } from '../limits/login-throttle.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { normalizeEmail } from '../users/email.js';
import { PasswordHasherService } from '../users/password-hasher.service.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';

const BAD_CREDENTIALS = 'Invalid email or password';
const MAX_CREDENTIAL_LENGTH = 1024;

export type LoginRefusal = 'bad_credentials' | 'disabled' | 'unverified';

/**
 * An `invalid_grant` for the token endpoint that also says why, so that the browser login can
 * answer 401 (wrong credentials) or 403 (disabled, unverified) with the same message.
 */
export class LoginRefusedError extends OAuthError {
  constructor(
    readonly reason: LoginRefusal,
    description: string,
  ) {
    super('invalid_grant', description);
  }
}

/** Contract §6: 429 with Retry-After, the same for known and unknown accounts. */
export class LoginThrottledError extends OAuthError {
  constructor(readonly retryAfter: number) {
    super('too_many_requests', `Too many failed sign-in attempts; try again in ${retryAfter} seconds`, 429, {
      'Retry-After': `${retryAfter}`,
    });
  }
}

/**
 * The counters cannot be read (Redis down): sign-in fails closed, since letting attempts through
 * unthrottled would reopen unlimited guessing. 503 with Retry-After, both for known and unknown accounts.
 */
export class LoginUnavailableError extends OAuthError {
  constructor() {
    super('temporarily_unavailable', 'Sign-in is temporarily unavailable; try again shortly', 503, {
      'Retry-After': '5',
    });
  }
}

/** The login identifier as the account lookup sees it (emails per contract §1, usernames lower-cased). */
function normalizeLogin(login: string): string {
  const value = login.trim();
  return value.includes('@') ? normalizeEmail(value) : value.toLowerCase();
}

/** Checks an email/username + password pair; the one place that says who may log in. */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasherService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /**
   * Returns the user, or throws `invalid_grant` with one message for unknown email and wrong
   * password, or 429 while the account's back-off runs (also for the right password). Unknown
   * account, wrong password, disabled and unverified all do the same work: one lookup, one
   * counter update, one argon2 verify, one background audit insert.
   */
  async authenticate(login: string, password: string, client: ClientInfo): Promise<User> {
    try {
      const user = await this.check(login, password, client);
      this.metrics?.login('success');
      return user;
    } catch (error) {
      // A lockout answers 429 (contract §6); refused credentials, disabled or unverified accounts
      // answer invalid_grant. Database errors are not a login outcome.
      if (error instanceof HttpException && error.getStatus() < 500) {
        this.metrics?.login(error.getStatus() === 429 ? 'locked' : 'failure');
      }
      throw error;
    }
  }

  private async check(login: string, password: string, client: ClientInfo): Promise<User> {
    if (login.length > MAX_CREDENTIAL_LENGTH || password.length > MAX_CREDENTIAL_LENGTH) {
      throw new LoginRefusedError('bad_credentials', BAD_CREDENTIALS);
    }
    const user = await this.users.findByLogin(login);
    // One counter per account whichever identifier (email or username) names it.
    const counters = user
      ? this.throttle.countersForUser(user.id, client.ip)
      : this.throttle.countersFor(`login:${normalizeLogin(login)}`, client.ip);
    const attempt = await this.throttle.reserve(counters).catch((err: unknown) => {
      this.logger.error({ err }, 'Login counters unavailable; sign-in refused');
      throw new LoginUnavailableError();
    });
    if (!attempt.allowed) throw new LoginThrottledError(attempt.retryAfter);

    let refusal: LoginRefusedError | undefined;
    let needsRehash = false;
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
    if (refusal) {
      this.recordRefusal(user, refusal.reason, attempt.lockedNow, client);
      throw refusal;
    }
    // The attempt stays counted until the login succeeds: TokenIssuerService.login resets the
    // counters with the session it creates (in the same statement when they are in the database).
    if (needsRehash) await this.upgradeHash(user!, password);
    return user!;
  }

  private recordRefusal(user: User | null, reason: LoginRefusal, lockedNow: boolean, client: ClientInfo): void {
    const userId = user?.id ?? null;
    this.audit.recordLater({
      type: 'login_failure',
      userId,
      client,
      details: { reason: user ? reason : 'unknown_account' },
    });
    if (lockedNow) this.audit.recordLater({ type: 'login_locked', userId, client, details: {} });
  }

  // Out-of-date argon2 parameters and legacy bcrypt hashes become current argon2id on login.
  private async upgradeHash(user: User, password: string): Promise<void> {
    try {
      const hash = await this.hasher.hash(password);
      await this.users.setPasswordHash(user.id, hash);
      user.passwordHash = hash;
    } catch (error) {
      this.logger.warn({ user_id: user.id, err: error }, 'Password hash upgrade failed; will retry on next login');
    }
  }
}
