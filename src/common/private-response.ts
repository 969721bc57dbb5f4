import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { IS_PUBLIC } from './public.decorator.js';

export const PRIVATE_RESPONSE = 'warden:private-response';

/** Marks a public route whose answer is still private to the caller (it carries a `user`). */
export const PrivateResponse = () => SetMetadata(PRIVATE_RESPONSE, true);

/**
 * The one place that decides `Cache-Control: no-store`: on every route behind the access token
 * (whatever it answers is somebody's account data) and on public routes marked @PrivateResponse().
 * A shared cache or the browser's history must never keep a copy of them.
 *
 * A guard that never refuses, not an interceptor: any global interceptor puts an rxjs pipeline
 * on every request, which costs an authenticated read a large share of its throughput; a guard
 * is one plain call. The answer per handler is computed once.
 */
@Injectable()
export class PrivateResponseGuard implements CanActivate {
  private readonly privateHandlers = new WeakMap<object, boolean>();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.isPrivate(context)) {
      context.switchToHttp().getResponse<FastifyReply>().header('cache-control', 'no-store');
    }
    return true;
  }

  private isPrivate(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let known = this.privateHandlers.get(handler);
    if (known === undefined) {
      const targets = [handler, context.getClass()];
      const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets);
      known = !isPublic || this.reflector.getAllAndOverride<boolean | undefined>(PRIVATE_RESPONSE, targets) === true;
      this.privateHandlers.set(handler, known);
    }
    return known;
  }
}
