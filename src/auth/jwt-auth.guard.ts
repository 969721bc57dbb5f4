import { type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply } from 'fastify';
import { IS_PUBLIC } from '../common/public.decorator.js';
import type { JwtFailure } from './jwt.strategy.js';
import type { Principal } from './principal.js';

/** Global guard: every route needs a valid access token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  // RFC 6750 §3: no error attribute when no credentials were sent at all.
  override handleRequest<T = Principal>(
    err: unknown,
    user: T,
    info: JwtFailure | undefined,
    context: ExecutionContext,
  ): T {
    if (err) throw err as Error;
    if (user) return user;
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const missing = info?.reason === 'missing';
    reply.header(
      'WWW-Authenticate',
      missing ? 'Bearer realm="warden"' : 'Bearer realm="warden", error="invalid_token"',
    );
    throw new UnauthorizedException(missing ? 'Authentication required' : 'Invalid or expired access token');
  }
}
