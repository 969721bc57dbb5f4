import type { Redis } from 'ioredis';
import { MemoryWindowStore, RedisWindowStore } from './rate-limit.storage.js';

describe('MemoryWindowStore (rolling window)', () => {
  let now = 1_000_000;
  const store = new MemoryWindowStore(() => now);

  it('refuses the request over the limit until the oldest one leaves the window', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await store.hit('k', 60_000, 3)).allowed).toBe(true);
      now += 10_000;
    }
    // Requests at 0 s, 10 s, 20 s; now 30 s: the oldest leaves at 60 s.
    expect(await store.hit('k', 60_000, 3)).toEqual({ allowed: false, retryAfter: 30 });
    now += 29_000;
    expect((await store.hit('k', 60_000, 3)).allowed).toBe(false);
    now += 1_001;
    // A rolling window, not a fixed one: one slot is free, not three.
    expect((await store.hit('k', 60_000, 3)).allowed).toBe(true);
    expect((await store.hit('k', 60_000, 3)).allowed).toBe(false);
  });

  it('counts each key on its own and forgets idle keys', async () => {
    expect((await store.hit('other', 60_000, 1)).allowed).toBe(true);
    expect((await store.hit('other', 60_000, 1)).allowed).toBe(false);
    now += 120_000;
    expect((await store.hit('other', 60_000, 1)).allowed).toBe(true);
  });
});

describe('RedisWindowStore', () => {
  it('fails open when Redis cannot answer (the per-account back-off still holds)', async () => {
    const down = { eval: () => Promise.reject(new Error('ECONNREFUSED')) } as unknown as Redis;
    await expect(new RedisWindowStore(down).hit('k', 60_000, 30)).resolves.toMatchObject({ allowed: true });
  });
});
