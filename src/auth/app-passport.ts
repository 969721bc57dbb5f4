import { Injectable } from '@nestjs/common';
import passport from 'passport';
import { JwtStrategy } from './jwt.strategy.js';
import { LocalStrategy } from './local.strategy.js';

export interface StrategyOutcome<T> {
  err: unknown;
  user: T | false | null | undefined;
  info: unknown;
}

/**
 * This application's own passport Authenticator. `AuthGuard('jwt')` of @nestjs/passport looks
 * the strategy up in passport's process-wide registry, where the last application created in
 * the process wins: with two instances in one process (the multi-instance tests) every request
 * would be served by the other instance's strategy, session cache and DataSource. An
 * Authenticator per application keeps its strategies to itself; passport still runs a fresh
 * object per request, so concurrent requests stay apart.
 */
@Injectable()
export class AppPassport {
  private readonly authenticator = new passport.Authenticator();

  constructor(local: LocalStrategy, jwt: JwtStrategy) {
    this.authenticator.use('local', local);
    this.authenticator.use('jwt', jwt);
  }

  authenticate<T>(name: 'local' | 'jwt', request: unknown, response: unknown): Promise<StrategyOutcome<T>> {
    return new Promise((resolve, reject) => {
      const middleware = this.authenticator.authenticate(
        name,
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
}
