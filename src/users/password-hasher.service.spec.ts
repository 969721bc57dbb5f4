import argon2 from 'argon2';
import bcrypt from 'bcryptjs';
import { loadConfig } from '../config/app-config.js';
import { bcryptCost, MAX_BCRYPT_COST } from './hash-costs.js';
import { argon2Concurrency, PasswordHasherService } from './password-hasher.service.js';

describe('PasswordHasherService', () => {
  const hasher = new PasswordHasherService(loadConfig({ JWT_SECRET: 'y'.repeat(10) + 'abcdefghijklmnopqrstuvwxyz' }));
  beforeAll(() => hasher.onModuleInit());
  afterAll(() => hasher.onModuleDestroy());

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

  it('verifies bcrypt off the event loop: timers keep firing during a cost-12 compare', async () => {
    const legacy = bcrypt.hashSync('legacy-pass', 12);
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    const start = performance.now();
    const result = await hasher.verify(legacy, 'legacy-pass');
    const took = performance.now() - start;
    clearInterval(timer);
    expect(result).toEqual({ valid: true, needsRehash: true });
    // A compare on the event loop would stall the timer for the whole compare (hundreds of ms).
    expect(took).toBeGreaterThan(100);
    expect(longestGap).toBeLessThan(60);
  });

  it(`refuses bcrypt costs above ${MAX_BCRYPT_COST} without computing them`, async () => {
    const legacy = bcrypt.hashSync('legacy-pass', 4);
    const costly = legacy.replace(/^\$2[aby]\$04\$/, '$2b$31$');
    expect(bcryptCost(costly)).toBe(31);
    const start = performance.now();
    expect(await hasher.verify(costly, 'legacy-pass')).toEqual({ valid: false, needsRehash: false });
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
