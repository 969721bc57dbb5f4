import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

export const PASSWORD_MAX_LENGTH = 128;

function loadCommonPasswords(): Set<string> {
  const text = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8');
  return new Set(text.split('\n').filter((line) => line && !line.startsWith('#')));
}

/** NIST 800-63B: length bounds, no composition rules, and a deny-list of common passwords. */
@Injectable()
export class PasswordPolicyService {
  private readonly common = loadCommonPasswords();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get commonPasswordCount(): number {
    return this.common.size;
  }

  /** Returns why the password is refused, or null when it is acceptable. */
  problem(password: string, field = 'password'): string | null {
    const length = [...password].length;
    if (length < this.config.passwordMinLength) {
      return `${field} must be at least ${this.config.passwordMinLength} characters`;
    }
    if (length > PASSWORD_MAX_LENGTH) return `${field} must be at most ${PASSWORD_MAX_LENGTH} characters`;
    if (this.common.has(password.toLowerCase())) {
      return `${field} is too common (it appears in a list of breached passwords); choose another`;
    }
    return null;
  }

  assertAcceptable(password: string, field = 'password'): void {
    const problem = this.problem(password, field);
    if (problem) throw new BadRequestException([problem]);
  }
}
