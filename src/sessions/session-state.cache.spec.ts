import { type SessionState, SessionStateCache } from './session-state.cache.js';

const state = (userId: string, active = true): SessionState => ({
  active,
  userId,
  expiresAt: Date.now() + 60_000,
  lastUsedAt: 0,
  acr: 'aal1',
  amr: ['pwd'],
  authTime: 0,
});

describe('SessionStateCache', () => {
  let now = 1_000;
  const make = (maxEntries = 3, ttlMs = 1_000) => new SessionStateCache({ maxEntries, ttlMs, now: () => now });
  beforeEach(() => {
    now = 1_000;
  });

  it('returns what was stored under the current generation', () => {
    const cache = make();
    expect(cache.set('s1', state('u1'), cache.generation)).toBe(true);
    expect(cache.get('s1')?.userId).toBe('u1');
  });

  it('refuses a state read before an invalidation (a load racing a revocation)', () => {
    const cache = make();
    const generation = cache.generation;
    cache.invalidateSession('s1');
    expect(cache.set('s1', state('u1'), generation)).toBe(false);
    expect(cache.get('s1')).toBeUndefined();
  });

  it('forgets one session, or every session of a user', () => {
    const cache = make(10);
    cache.set('s1', state('u1'), cache.generation);
    cache.set('s2', state('u1'), cache.generation);
    cache.set('s3', state('u2'), cache.generation);
    cache.invalidateSession('s3');
    expect(cache.get('s3')).toBeUndefined();
    cache.invalidateUser('u1');
    expect([cache.get('s1'), cache.get('s2')]).toEqual([undefined, undefined]);
    expect(cache.size).toBe(0);
  });

  it('expires entries after the TTL', () => {
    const cache = make();
    cache.set('s1', state('u1'), cache.generation);
    now += 1_001;
    expect(cache.get('s1')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const cache = make(2);
    cache.set('s1', state('u1'), cache.generation);
    cache.set('s2', state('u2'), cache.generation);
    cache.get('s1');
    cache.set('s3', state('u3'), cache.generation);
    expect(cache.get('s2')).toBeUndefined();
    expect(cache.get('s1')).toBeDefined();
    expect(cache.get('s3')).toBeDefined();
  });

  it('clear() empties the cache and outdates loads in flight', () => {
    const cache = make();
    const generation = cache.generation;
    cache.set('s1', state('u1'), generation);
    cache.clear();
    expect(cache.get('s1')).toBeUndefined();
    expect(cache.set('s2', state('u2'), generation)).toBe(false);
  });
});
