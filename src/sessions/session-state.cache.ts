import type { SessionAcr } from './session.entity.js';

export interface SessionState {
  active: boolean;
  userId: string;
  /** Absolute end of the session, epoch ms. */
  expiresAt: number;
  /** Last time last_used_at was written (or read from the row), epoch ms. */
  lastUsedAt: number;
  /** The session's current assurance (step-up raises it; every instance drops its copy then). */
  acr: SessionAcr;
  amr: readonly string[];
  /** epoch ms */
  authTime: number;
}

interface Entry {
  state: SessionState;
  cachedAt: number;
}

export interface CacheOptions {
  maxEntries: number;
  ttlMs: number;
  now?: () => number;
}

/**
 * In-process LRU of session state, so that verifying an access token needs no database round
 * trip. Correctness comes from invalidation (revocation notifications), not from the TTL, which
 * is only a safety net. A load that started before an invalidation must not repopulate the
 * cache with what it read: every invalidation bumps `generation`, and `set` refuses a state
 * read under an older generation.
 */
export class SessionStateCache {
  private readonly entries = new Map<string, Entry>();
  private generationCounter = 0;
  private readonly now: () => number;

  constructor(private readonly options: CacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get generation(): number {
    return this.generationCounter;
  }

  get size(): number {
    return this.entries.size;
  }

  get(sessionId: string): SessionState | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (this.now() - entry.cachedAt > this.options.ttlMs) {
      this.entries.delete(sessionId);
      return undefined;
    }
    // Map keeps insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(sessionId);
    this.entries.set(sessionId, entry);
    return entry.state;
  }

  /** Stores a state read from the database under `generation`; false when it is already stale. */
  set(sessionId: string, state: SessionState, generation: number): boolean {
    if (generation !== this.generationCounter) return false;
    this.entries.delete(sessionId);
    this.entries.set(sessionId, { state, cachedAt: this.now() });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return true;
  }

  invalidateSession(sessionId: string): void {
    this.generationCounter += 1;
    this.entries.delete(sessionId);
  }

  invalidateUser(userId: string): void {
    this.generationCounter += 1;
    for (const [sessionId, entry] of this.entries) {
      if (entry.state.userId === userId) this.entries.delete(sessionId);
    }
  }

  clear(): void {
    this.generationCounter += 1;
    this.entries.clear();
  }
}
