import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { refusals, type Refusal } from './challenge.js';
import { AAL_LEVELS, IS_PUBLIC, REQUIRED_AAL, REQUIRED_ROLES, REQUIRED_SCOPES } from './decorators.js';
import { WARDEN_AUTH_OPTIONS, type WardenAuthOptions } from './options.js';
import type { WardenPrincipal } from './principal.js';
import { InvalidTokenError, TOKEN_VERIFIER, type TokenVerifier, VerifierUnavailableError } from './token-verifier.js';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: WardenPrincipal;
}

/**
 * Every route needs a valid Warden access token unless it is marked @Public(); then the
 * route's @Scopes(), @Roles() and @RequireAal() are checked, in that order (a step-up does not
 * help a token that lacks the scope). Works with Express and Fastify alike: headers go through
 * Nest's HTTP adapter.
 */
@Injectable()
export class WardenAuthGuard implements CanActivate {
  private readonly realm: string;

  constructor(
    @Inject(WARDEN_AUTH_OPTIONS) options: WardenAuthOptions,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.realm = options.realm ?? ([] as string[]).concat(options.audience)[0];
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) return this.refuse(context, refusals.missing(this.realm));
    if (token === null) return this.refuse(context, refusals.invalid(this.realm));

    let principal: WardenPrincipal;
    try {
      principal = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) return this.refuse(context, refusals.invalid(this.realm));
      if (error instanceof VerifierUnavailableError) return this.refuse(context, refusals.unavailable());
      throw error;
    }
    request.user = principal;

    const scopes = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES, targets) ?? [];
    const missing = scopes.filter((scope) => !principal.scopes.includes(scope));
    if (missing.length) return this.refuse(context, refusals.scope(this.realm, scopes, missing));

    const roles = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, targets) ?? [];
    if (!roles.every((role) => principal.roles.includes(role))) return this.refuse(context, refusals.roles(roles));

    const aal = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_AAL, targets);
    if (aal && levelOf(principal.acr) < levelOf(aal)) return this.refuse(context, refusals.aal(this.realm, aal));
    return true;
  }

  private refuse(context: ExecutionContext, refusal: Refusal): never {
    if (refusal.challenge) {
      const response: unknown = context.switchToHttp().getResponse();
      this.adapterHost.httpAdapter.setHeader(response, 'WWW-Authenticate', refusal.challenge);
    }
    throw refusal.exception;
  }
}

/** `undefined`: no bearer credentials at all; `null`: a Bearer header without a usable token. */
function bearerToken(header: string | string[] | undefined): string | null | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer(?:\s+(.*))?$/i.exec(header.trim());
  if (!match) return undefined;
  const token = match[1]?.trim();
  return token && /^[A-Za-z0-9\-._~+/]+=*$/.test(token) ? token : null;
}

/** An unknown `acr` value counts as the lowest level. */
function levelOf(acr: string): number {
  return Math.max(0, (AAL_LEVELS as readonly string[]).indexOf(acr));
}
