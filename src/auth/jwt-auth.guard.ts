import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCEPTS_CLIENT_TOKENS } from '../common/client-tokens.decorator.js';
import { IS_PUBLIC } from '../common/public.decorator.js';
import { AppPassport } from './app-passport.js';
import type { JwtFailure } from './jwt.strategy.js';
import { type ClientPrincipal, isClientPrincipal, type Principal } from '../common/principal.js';
import { bearerChallenge } from '../common/www-authenticate.js';

const CLIENT_TOKEN_REFUSED =
  "This route needs a user's access token; a client_credentials token is accepted only by the routes that say so";

/**
 * Global guard: every route needs a valid access token unless marked @Public(). A client's own
 * token (client_credentials: no user) passes only on routes marked @AcceptsClientTokens().
 */
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
    const request = http.getRequest<FastifyRequest & { user?: Principal | ClientPrincipal }>();
    const { err, user, info } = await this.passport.authenticate<Principal | ClientPrincipal>(
      'jwt',
      request,
      http.getResponse(),
    );
    const principal = this.handleRequest(err, user, info as JwtFailure | undefined, context);
    if (isClientPrincipal(principal) && !this.acceptsClientTokens(context)) {
      http.getResponse<FastifyReply>().header('WWW-Authenticate', bearerChallenge('invalid_token'));
      throw new UnauthorizedException(CLIENT_TOKEN_REFUSED);
    }
    request.user = principal;
    return true;
  }

  private acceptsClientTokens(context: ExecutionContext): boolean {
    return (
      this.reflector.getAllAndOverride<boolean>(ACCEPTS_CLIENT_TOKENS, [context.getHandler(), context.getClass()]) ===
      true
    );
  }

  // RFC 6750 §3: no error attribute when no credentials were sent at all.
  handleRequest(
    err: unknown,
    user: Principal | ClientPrincipal | false | null | undefined,
    info: JwtFailure | undefined,
    context: ExecutionContext,
  ): Principal | ClientPrincipal {
    if (err) throw err as Error;
    if (user) return user;
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const missing = info?.reason === 'missing';
    reply.header('WWW-Authenticate', bearerChallenge(missing ? undefined : 'invalid_token'));
    throw new UnauthorizedException(missing ? 'Authentication required' : 'Invalid or expired access token');
  }
}
