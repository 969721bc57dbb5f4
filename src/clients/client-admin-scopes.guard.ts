import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import type { ClientPrincipal, Principal } from '../common/principal.js';
import { bearerChallenge } from '../common/www-authenticate.js';

const ANY_SCOPE = 'warden:clients-any-scope';

/** The token needs one of these scopes (ScopesGuard's @Scopes() needs all). */
export const AnyScope = (...scopes: string[]) => SetMetadata(ANY_SCOPE, scopes);

/** For the client admin routes: `users:write`, or the narrower `clients:read` / `clients:write`. */
@Injectable()
export class AnyScopeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const wanted = this.reflector.get<string[] | undefined>(ANY_SCOPE, context.getHandler());
    if (!wanted?.length) return true;
    const http = context.switchToHttp();
    const principal = http.getRequest<{ user?: Principal | ClientPrincipal }>().user;
    if (wanted.some((scope) => principal?.scopes.includes(scope))) return true;
    const scope = wanted.join(' ');
    http.getResponse<FastifyReply>().header('WWW-Authenticate', bearerChallenge('insufficient_scope', scope));
    throw new ForbiddenException(`The access token needs one of the scopes ${wanted.join(', ')}`);
  }
}
