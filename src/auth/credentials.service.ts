import { HttpException, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { OAuthError } from '../common/oauth-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
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

/** Checks an email/username + password pair; the one place that says who may log in. */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasherService,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /** Returns the user, or throws `invalid_grant` with one message for unknown email and wrong password. */
  async authenticate(login: string, password: string): Promise<User> {
    try {
      const user = await this.check(login, password);
      this.metrics?.login('success');
      return user;
    } catch (error) {
      // A lockout answers 429 (contract §6); refused credentials, disabled or unverified accounts
      // answer invalid_grant. Database errors are not a login outcome.
      if (error instanceof HttpException) {
        this.metrics?.login(error.getStatus() === 429 ? 'locked' : 'failure');
      }
      throw error;
    }
  }

  private async check(login: string, password: string): Promise<User> {
    if (login.length > MAX_CREDENTIAL_LENGTH || password.length > MAX_CREDENTIAL_LENGTH) {
      throw new LoginRefusedError('bad_credentials', BAD_CREDENTIALS);
    }
    const user = await this.users.findByLogin(login);
    if (!user) {
      await this.hasher.verifyDummy(password);
      throw new LoginRefusedError('bad_credentials', BAD_CREDENTIALS);
    }
    const { valid, needsRehash } = await this.hasher.verify(user.passwordHash, password);
    if (!valid) throw new LoginRefusedError('bad_credentials', BAD_CREDENTIALS);
    if (user.disabledAt) throw new LoginRefusedError('disabled', 'This account is disabled');
    if (this.config.requireEmailVerification && !user.emailVerifiedAt) {
      throw new LoginRefusedError('unverified', 'The email address is not verified yet');
    }
    if (needsRehash) await this.upgradeHash(user, password);
    return user;
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
