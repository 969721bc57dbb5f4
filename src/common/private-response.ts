import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import type { Observable } from 'rxjs';
import { IS_PUBLIC } from './public.decorator.js';

export const PRIVATE_RESPONSE = 'warden:private-response';

/** Marks a public route whose answer is still private to the caller (it carries a `user`). */
export const PrivateResponse = () => SetMetadata(PRIVATE_RESPONSE, true);

/**
 * The one place that decides `Cache-Control: no-store`: on every route behind the access token
 * (whatever it answers is somebody's account data) and on public routes marked @PrivateResponse().
 * A shared cache or the browser's history must never keep a copy of them.
 */
@Injectable()
export class PrivateResponseInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets);
    if (!isPublic || this.reflector.getAllAndOverride<boolean | undefined>(PRIVATE_RESPONSE, targets)) {
      context.switchToHttp().getResponse<FastifyReply>().header('cache-control', 'no-store');
    }
    return next.handle();
  }
}
