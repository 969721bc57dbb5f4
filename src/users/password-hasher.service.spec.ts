import argon2 from 'argon2';
import bcrypt from 'bcryptjs';
import { loadConfig } from '../config/app-config.js';
import { argon2Concurrency, PasswordHasherService } from './password-hasher.service.js';

describe('PasswordHasherService', () => {
  const hasher = new PasswordHasherService(loadConfig({ JWT_SECRET: 'y'.repeat(10) + 'abcdefghijklmnopqrstuvwxyz' }));
  beforeAll(() => hasher.onModuleInit());

  it('hashes with argon2id at the OWASP parameters and verifies', async () => {
    const hash = await hasher.hash('a fine passphrase');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await hasher.verify(hash, 'a fine passphrase')).toEqual({ valid: true, needsRehash: false });
    expect(await hasher.verify(hash, 'another')).toEqual({ valid: false, needsRehash: false });
  });

  it('asks for a rehash of argon2 hashes with other parameters', async () => {
    const old = await argon2.hash('pw-123456', { type: argon2.argon2i, memoryCost: 4096, timeCost: 3 });
    expect(await hasher.verify(old, 'pw-123456')).toEqual({ valid: true, needsRehash: true });
  });

  it.each(['$2a$', '$2b$', '$2y$'])('verifies legacy bcrypt %s hashes and asks for an upgrade', async (prefix) => {
    const legacy = bcrypt.hashSync('legacy-pass', 4).replace(/^\$2[aby]\$/, prefix);
    expect(await hasher.verify(legacy, 'legacy-pass')).toEqual({ valid: true, needsRehash: true });
    expect(await hasher.verify(legacy, 'wrong')).toEqual({ valid: false, needsRehash: false });
  });

  it('treats unknown or corrupt hashes as a mismatch', async () => {
    expect(await hasher.verify('plaintext', 'plaintext')).toEqual({ valid: false, needsRehash: false });
    expect(await hasher.verify('$argon2id$garbage', 'x')).toEqual({ valid: false, needsRehash: false });
  });

  it('runs one argon2 per core and leaves a pool thread for the short jobs', () => {
    expect(argon2Concurrency(2, 4)).toBe(2);
    expect(argon2Concurrency(8, 10)).toBe(8);
    expect(argon2Concurrency(8, 4)).toBe(3);
    expect(argon2Concurrency(1, 1)).toBe(1);
  });
});
