import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../common/public.decorator.js';
import { AppPassport } from './app-passport.js';
import type { JwtFailure } from './jwt.strategy.js';
import type { Principal } from '../common/principal.js';
import { bearerChallenge } from '../common/www-authenticate.js';

/** Global guard: every route needs a valid access token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly passport: AppPassport,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user?: Principal }>();
    const { err, user, info } = await this.passport.authenticate<Principal>('jwt', request, http.getResponse());
    request.user = this.handleRequest(err, user, info as JwtFailure | undefined, context);
    return true;
  }

  // RFC 6750 §3: no error attribute when no credentials were sent at all.
  handleRequest(
    err: unknown,
    user: Principal | false | null | undefined,
    info: JwtFailure | undefined,
    context: ExecutionContext,
  ): Principal {
    if (err) throw err as Error;
    if (user) return user;
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const missing = info?.reason === 'missing';
    reply.header('WWW-Authenticate', bearerChallenge(missing ? undefined : 'invalid_token'));
    throw new UnauthorizedException(missing ? 'Authentication required' : 'Invalid or expired access token');
  }
}
