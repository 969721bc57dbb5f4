import { parseDurationSeconds } from '../../../src/config/duration.js';

/**
 * The test clock: moves "now" forward for Warden and for the test alike, without sleeping. It
 * shifts `Date.now()` and `new Date()` of this JavaScript realm (a jest test file, or the process
 * of a globalSetup); the embedded database reads the same clock, so SQL `now()` moves with it.
 * Timers are not touched: nothing fires early, expiry is simply judged at the later time.
 */
export interface WardenClock {
  /**
   * Moves now forward by a duration: milliseconds, or `'30s'`, `'16m'`, `'2h'`, `'31d'`. In the
   * process of startWarden() it has moved when the call returns; await it with connectWarden().
   */
  advance(by: number | string): Promise<void>;
  /** How far now is ahead of the real time, in ms. */
  readonly offsetMs: number;
  /** Back to the real time. */
  reset(): Promise<void>;
}

type DateConstructor = typeof Date;

interface Installed {
  realDate: DateConstructor;
  realNow: () => number;
  offsetMs: number;
}

const KEY = Symbol.for('warden.testing.clock');

function state(): Installed | undefined {
  return (globalThis as Record<symbol, Installed | undefined>)[KEY];
}

function install(): Installed {
  const existing = state();
  if (existing) return existing;
  const realDate = globalThis.Date;
  const realNow = realDate.now.bind(realDate);
  const installed: Installed = { realDate, realNow, offsetMs: 0 };
  const shifted = new Proxy(realDate, {
    construct(target, args: unknown[], newTarget): object {
      if (args.length === 0) return Reflect.construct(target, [realNow() + installed.offsetMs], newTarget) as object;
      return Reflect.construct(target, args, newTarget) as object;
    },
    apply() {
      return new realDate(realNow() + installed.offsetMs).toString();
    },
  });
  // Date.now read off the original object (a captured `Date`) moves too.
  realDate.now = () => realNow() + installed.offsetMs;
  globalThis.Date = shifted;
  (globalThis as Record<symbol, Installed | undefined>)[KEY] = installed;
  return installed;
}

function uninstall(): void {
  const installed = state();
  if (!installed) return;
  installed.realDate.now = installed.realNow;
  globalThis.Date = installed.realDate;
  delete (globalThis as Record<symbol, Installed | undefined>)[KEY];
}

export function toMs(by: number | string): number {
  if (typeof by === 'number') {
    if (!Number.isFinite(by) || by < 0) throw new Error(`clock.advance: not a forward duration: ${by}`);
    return by;
  }
  const seconds = parseDurationSeconds(by);
  if (seconds === undefined) throw new Error(`clock.advance: not a duration like 30s, 16m, 2h or 31d: "${by}"`);
  return seconds * 1000;
}

export function createClock(): WardenClock {
  return {
    advance(by) {
      install().offsetMs += toMs(by);
      return Promise.resolve();
    },
    get offsetMs() {
      return state()?.offsetMs ?? 0;
    },
    reset() {
      uninstall();
      return Promise.resolve();
    },
  };
}
