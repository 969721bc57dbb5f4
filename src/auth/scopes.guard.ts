import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../common/principal.js';
import { bearerChallenge } from '../common/www-authenticate.js';
import { REQUIRED_SCOPES } from '../common/scopes.decorator.js';

/** Global guard for routes marked @Scopes(): RFC 6750 §3.1 `insufficient_scope` (403). */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required?.length) return true;
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    const missing = required.filter((scope) => !principal?.scopes.includes(scope));
    if (missing.length === 0) return true;
    const scope = required.join(' ');
    context
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header('WWW-Authenticate', bearerChallenge('insufficient_scope', scope));
    throw new ForbiddenException(
      `The access token lacks the ${missing.join(' ')} scope; request it at /auth/token (scope=${scope})`,
    );
  }
}
