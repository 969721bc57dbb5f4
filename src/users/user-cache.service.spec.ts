import { jest } from '@jest/globals';
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import type { SessionsService } from '../sessions/sessions.service.js';
import { UserCacheService } from './user-cache.service.js';
import type { User } from './user.entity.js';

const user = (id: string, displayName: string): User => ({
  id,
  email: `${id}@example.com`,
  username: null,
  displayName,
  passwordHash: 'h',
  emailVerifiedAt: null,
  roles: ['user'],
  disabledAt: null,
  mfaEnabled: false,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-01-01T00:00:00Z'),
});

describe('UserCacheService', () => {
  let cache: UserCacheService;
  let subscriber: EntitySubscriberInterface<User>;
  let feed: { live: boolean };
  let forgotten: string[];

  beforeEach(() => {
    const subscribers: EntitySubscriberInterface<User>[] = [];
    const config = loadConfig({ JWT_SECRET: 'z'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz' });
    forgotten = [];
    const sessions = { forgetCachedStates: (id?: string) => forgotten.push(id ?? '*') } as unknown as SessionsService;
    cache = new UserCacheService(config, { subscribers } as unknown as DataSource, sessions);
    subscriber = subscribers[0];
    feed = (cache as unknown as { feed: { live: boolean } }).feed;
    feed.live = true;
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers a second read from memory while the change feed is live', async () => {
    const load = jest.fn(() => Promise.resolve(user('u1', 'Ann')));
    await cache.get('u1', load);
    expect(await cache.get('u1', load)).toMatchObject({ id: 'u1', display_name: 'Ann' });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reads the database every time while the feed is down', async () => {
    feed.live = false;
    const load = jest.fn(() => Promise.resolve(user('u1', 'Ann')));
    await cache.get('u1', load);
    await cache.get('u1', load);
    expect(load).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(0);
  });

  it('drops a user when a change is announced', async () => {
    await cache.get('u1', () => Promise.resolve(user('u1', 'Ann')));
    cache.invalidate('u1');
    expect(await cache.get('u1', () => Promise.resolve(user('u1', 'Bea')))).toMatchObject({ display_name: 'Bea' });
  });

  it('does not store a read that raced with a change', async () => {
    let finish!: (u: User) => void;
    const slow = cache.get('u1', () => new Promise<User>((resolve) => (finish = resolve)));
    cache.invalidate('u1'); // the row changed while the old value was on its way
    finish(user('u1', 'stale'));
    await slow;
    expect(cache.size).toBe(0);
  });

  it('expires entries after 30 s', async () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    const load = jest.fn(() => Promise.resolve(user('u1', 'Ann')));
    await cache.get('u1', load);
    clock.mockReturnValue(now + 30_001);
    await cache.get('u1', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('drops entries on TypeORM updates and removals in this process', async () => {
    await cache.get('u1', () => Promise.resolve(user('u1', 'Ann')));
    await cache.get('u2', () => Promise.resolve(user('u2', 'Bob')));
    void subscriber.afterUpdate!({ entity: { id: 'u1' } } as never);
    expect(cache.size).toBe(1);
    // A query-builder update names no row: everything goes.
    void subscriber.afterUpdate!({ entity: { displayName: 'x' } } as never);
    expect(cache.size).toBe(0);
    await cache.get('u2', () => Promise.resolve(user('u2', 'Bob')));
    void subscriber.afterRemove!({ entityId: 'u2' } as never);
    expect(cache.size).toBe(0);
  });

  it('drops the user and their cached session states when the change feed reports the user row', async () => {
    const load = jest.fn(() => Promise.resolve(user('u1', 'Ann')));
    await cache.get('u1', load);
    const handlers = (cache as unknown as { feed: { handlers: { changed(id: string): void; reset(): void } } }).feed
      .handlers;
    handlers.changed('u1');
    expect(forgotten).toEqual(['u1']);
    await cache.get('u1', load);
    expect(load).toHaveBeenCalledTimes(2);
    handlers.reset();
    expect(forgotten).toEqual(['u1', '*']);
  });
});
