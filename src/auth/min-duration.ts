import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Endpoints that must not reveal whether an account exists (forgot-password, resend) do a little
 * more work for a known address (a token row, an outbox row). Answering no sooner than `ms`
 * after the start hides that difference behind a constant floor.
 */
export async function withMinDuration<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const until = performance.now() + ms;
  const result = await work();
  const left = until - performance.now();
  if (left > 0) await sleep(left);
  return result;
}

/** The floor for the no-enumeration endpoints; far above their own work. */
export const NO_ENUMERATION_FLOOR_MS = 150;
