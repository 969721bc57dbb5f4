import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { prepared } from '../config/prepared-statements.js';
import { SessionEventsService } from './session-events.service.js';
import type { SessionState } from './session-state.cache.js';
import type { SessionAcr } from './session.entity.js';

/** last_used_at is written at most this often per session and instance. */
export const TOUCH_INTERVAL_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const STATE_SQL = prepared(
  `SELECT s.user_id, s.expires_at, s.last_used_at, (s.revoked_at IS NULL AND u.disabled_at IS NULL) AS active,
          s.acr, s.amr, s.auth_time
     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`,
);
const TOUCH_SQL = prepared('UPDATE sessions SET last_used_at = now() WHERE id = $1 AND revoked_at IS NULL');

interface StateRow {
  user_id: string;
  expires_at: Date | string;
  last_used_at: Date | string;
  active: boolean;
  acr: SessionAcr;
  amr: string[];
  auth_time: Date | string;
}

const GONE: SessionState = Object.freeze({
  active: false,
  userId: '',
  expiresAt: 0,
  lastUsedAt: 0,
  acr: 'aal1',
  amr: [],
  authTime: 0,
});

/** Answers "is this session live?" for every authenticated request, from the cache when it can. */
@Injectable()
export class SessionStateService implements OnModuleDestroy {
  private readonly logger = new Logger(SessionStateService.name);
  private readonly touches = new Set<Promise<void>>();
  /** Session look-ups that reached the database (the benchmark and the tests read it). */
  lookups = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: SessionEventsService,
  ) {}

  /** True while the session is neither revoked nor expired and its user exists and is enabled. */
  async isActive(sessionId: string, userId: string): Promise<boolean> {
    return (await this.activeState(sessionId, userId)) !== null;
  }

  /** The live session's current state (its assurance included), or null when it is not live. */
  async activeState(sessionId: string, userId: string): Promise<SessionState | null> {
    if (!UUID.test(sessionId)) return null;
    const state = await this.state(sessionId);
    if (!state.active || state.userId !== userId || state.expiresAt <= Date.now()) return null;
    this.touch(sessionId, state);
    return state;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.touches]);
  }

  private async state(sessionId: string): Promise<SessionState> {
    const useCache = this.events.listening;
    if (useCache) {
      const cached = this.events.cache.get(sessionId);
      if (cached) return cached;
    }
    const generation = this.events.cache.generation;
    this.lookups += 1;
    const [row] = await this.dataSource.query<StateRow[]>(STATE_SQL, [sessionId]);
    // A missing row (user deleted, rows cascaded) never comes back: cache the refusal too.
    const state: SessionState = row
      ? {
          active: row.active,
          userId: row.user_id,
          expiresAt: new Date(row.expires_at).getTime(),
          lastUsedAt: new Date(row.last_used_at).getTime(),
          acr: row.acr,
          amr: Object.freeze([...row.amr]),
          authTime: new Date(row.auth_time).getTime(),
        }
      : GONE;
    if (useCache && this.events.listening) this.events.cache.set(sessionId, state, generation);
    return state;
  }

  // Fire-and-forget: a request never waits for, nor fails because of, this bookkeeping write.
  private touch(sessionId: string, state: SessionState): void {
    const now = Date.now();
    if (now - state.lastUsedAt < TOUCH_INTERVAL_MS) return;
    state.lastUsedAt = now;
    const write = this.dataSource.query(TOUCH_SQL, [sessionId]).then(
      () => undefined,
      (err: unknown) => this.logger.warn({ err, session_id: sessionId }, 'Could not record last_used_at'),
    );
    this.touches.add(write);
    void write.finally(() => this.touches.delete(write));
  }
}
