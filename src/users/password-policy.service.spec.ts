import { BadRequestException } from '@nestjs/common';
import { loadConfig } from '../config/app-config.js';
import { PasswordPolicyService } from './password-policy.service.js';

const config = (env: Record<string, string> = {}) => loadConfig({ JWT_SECRET: 'x'.repeat(16) + 'abcdefghijklmnopqrstuvwxyz', ...env });

describe('PasswordPolicyService', () => {
  const policy = new PasswordPolicyService(config());

  it('bundles a list of at least 10,000 common passwords', () => {
    expect(policy.commonPasswordCount).toBeGreaterThanOrEqual(10000);
  });

  it('accepts a long passphrase with no composition rules', () => {
    expect(policy.problem('correct horse battery staple')).toBeNull();
    expect(policy.problem('alllowercaseletters')).toBeNull();
  });

  it('counts characters, not UTF-16 units', () => {
    expect(policy.problem('🌻🌻🌻🌻🌻🌻🌻')).toMatch(/at least 8/);
    expect(policy.problem('🌻🌻🌻🌻🌻🌻🌻🌻')).toBeNull();
  });

  it('refuses short, overlong and common passwords, saying why', () => {
    expect(policy.problem('abc')).toBe('password must be at least 8 characters');
    expect(policy.problem('a'.repeat(129))).toBe('password must be at most 128 characters');
    expect(policy.problem('iloveyou2')).toMatch(/too common/);
    expect(policy.problem('QWERTYUIOP')).toMatch(/too common/);
  });

  it('honours PASSWORD_MIN_LENGTH and names the field', () => {
    const strict = new PasswordPolicyService(config({ PASSWORD_MIN_LENGTH: '15' }));
    expect(strict.problem('fourteen chars', 'new_password')).toBe('new_password must be at least 15 characters');
    expect(() => strict.assertAcceptable('short one')).toThrow(BadRequestException);
  });
});
