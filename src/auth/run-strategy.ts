import passport, { type Strategy } from 'passport';

export interface StrategyOutcome<T> {
  err: unknown;
  user: T | false | null | undefined;
  info: unknown;
}

/**
 * Runs this application's own strategy instance through passport. `AuthGuard('jwt')` would look
 * the strategy up by name in passport's process-wide registry, where the last application created
 * in the process wins: with two instances in one process (the multi-instance tests), every
 * request would be served by the other instance's strategy, session cache and DataSource.
 * A fresh object per request, as passport's registry does, keeps concurrent requests apart.
 */
export function runStrategy<T>(strategy: object, request: unknown, response: unknown): Promise<StrategyOutcome<T>> {
  return new Promise((resolve, reject) => {
    const middleware = passport.authenticate(
      Object.create(strategy) as Strategy,
      { session: false },
      (err: unknown, user: T | false | null | undefined, info: unknown) => resolve({ err, user, info }),
    ) as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
    // With a callback passport reports through it; `next` only sees unexpected failures.
    middleware(request, response, (err?: unknown) =>
      err
        ? reject(err instanceof Error ? err : new Error('passport strategy failed', { cause: err }))
        : resolve({ err: null, user: false, info: undefined }),
    );
  });
}
