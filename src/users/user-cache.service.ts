import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntitySubscriberInterface, type RemoveEvent, type UpdateEvent } from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { UserDto } from './dto/user.dto.js';
import { type ChangeFeed, PGliteChangeFeed, PostgresChangeFeed } from './user-change-feed.js';
import { User } from './user.entity.js';

const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * The public shape of recently read users, so that GET /users/me needs no query on a hit.
 *
 * Correct across instances, not merely "short-lived": a trigger announces every committed change
 * of a user row (any code path, any instance) and each instance drops its copy; entries are only
 * served while that feed is live (while it is down, every read goes to the database). A read that
 * raced with a change is not stored (the generation check). Changes made through TypeORM in this
 * process also drop the entry at once, before the notification arrives.
 */
@Injectable()
export class UserCacheService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly entries = new Map<string, { user: UserDto; expiresAt: number }>();
  private generation = 0;
  private readonly feed: ChangeFeed;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectDataSource() dataSource: DataSource,
    sessions: SessionsService,
    @Optional() metrics?: MetricsService,
  ) {
    // A changed or deleted user row also drops the user's cached session states (a user disabled
    // or deleted by SQL must not keep a cached "active" session).
    const handlers = {
      changed: (id: string) => {
        this.invalidate(id);
        sessions.forgetCachedStates(id);
      },
      reset: () => {
        this.invalidate();
        sessions.forgetCachedStates();
      },
    };
    this.feed = config.databaseUrl
      ? new PostgresChangeFeed(config.databaseUrl, handlers, metrics)
      : new PGliteChangeFeed(dataSource, handlers);
    dataSource.subscribers.push(this.subscriber());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.feed.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.feed.stop();
    this.invalidate();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The user's public shape: cached while the change feed is live, else (and on a miss) from `load`. */
  async get(id: string, load: () => Promise<User | null>): Promise<UserDto | null> {
    const hit = this.entries.get(id);
    if (hit && this.feed.live && hit.expiresAt > Date.now()) return hit.user;
    const generation = this.generation;
    const user = await load();
    if (!user) return null;
    const dto = UserDto.from(user);
    if (this.feed.live && generation === this.generation) this.store(id, dto);
    return dto;
  }

  /** Drops one user (or everything) and makes reads that started before this not cacheable. */
  invalidate(id?: string): void {
    this.generation += 1;
    if (id === undefined) this.entries.clear();
    else this.entries.delete(id);
  }

  private store(id: string, user: UserDto): void {
    this.entries.delete(id);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, { user, expiresAt: Date.now() + TTL_MS });
  }

  private subscriber(): EntitySubscriberInterface<User> {
    // Query-builder updates carry only the changed values (no id): then everything is dropped.
    const idOf = (event: UpdateEvent<User> | RemoveEvent<User>): string | undefined => {
      const id = (event.entity as Partial<User> | undefined)?.id ?? event.databaseEntity?.id;
      return typeof id === 'string' ? id : undefined;
    };
    return {
      listenTo: () => User,
      afterUpdate: (event) => this.invalidate(idOf(event)),
      afterRemove: (event) => this.invalidate(idOf(event) ?? (event.entityId as string | undefined)),
    };
  }
}
