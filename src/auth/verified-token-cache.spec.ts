import { VerifiedTokenCache } from './verified-token-cache.js';

describe('VerifiedTokenCache', () => {
  const now = 1_800_000_000;

  it('returns the claims of a cached token until the second before its exp, never from exp on', () => {
    const cache = new VerifiedTokenCache<{ exp?: number; sub: string }>(10);
    cache.set('a.b.c', { exp: now + 60, sub: 'u1' });
    expect(cache.get('a.b.c', now)).toEqual({ exp: now + 60, sub: 'u1' });
    expect(cache.get('a.b.c', now + 59)).toEqual({ exp: now + 60, sub: 'u1' });
    // Expiry is exact: no clock tolerance on exp; the entry is forgotten.
    expect(cache.get('a.b.c', now + 60)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.get('a.b.c', now)).toBeUndefined();
  });

  it('misses for any other string, even one differing in the last character', () => {
    const cache = new VerifiedTokenCache<{ exp?: number }>(10);
    cache.set('header.payload.signature', { exp: now + 60 });
    expect(cache.get('header.payload.signaturf', now)).toBeUndefined();
    expect(cache.get('header.payload.signature ', now)).toBeUndefined();
  });

  it('never serves claims without exp', () => {
    const cache = new VerifiedTokenCache<{ exp?: number }>(10);
    cache.set('t', {});
    expect(cache.get('t', now)).toBeUndefined();
  });

  it('holds at most maxEntries, dropping the oldest', () => {
    const cache = new VerifiedTokenCache<{ exp?: number; n: number }>(3);
    for (let n = 1; n <= 5; n += 1) cache.set(`t${n}`, { exp: now + 60, n });
    expect(cache.size).toBe(3);
    expect(cache.get('t1', now)).toBeUndefined();
    expect(cache.get('t2', now)).toBeUndefined();
    expect(cache.get('t5', now)?.n).toBe(5);
  });
});
