import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { type ClientPrincipal, isClientPrincipal, type Principal } from '../common/principal.js';
import { REQUIRED_ROLES } from '../common/roles.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { UsersService } from '../users/users.service.js';
import { REQUIRES_AAL2 } from './step-up.decorator.js';

const STEP_UP_MESSAGE = 'This action needs a second factor: verify one with POST /auth/mfa/verify, then retry';

/** RFC 9470 §3: the challenge a client can act on. */
export const STEP_UP_CHALLENGE =
  `Bearer realm="warden", error="insufficient_user_authentication", ` +
  `error_description="${STEP_UP_MESSAGE}", acr_values="aal2"`;

/**
 * Global guard (after authentication and the role checks) for @RequiresAal2() routes and, with
 * MFA_REQUIRED_FOR_ADMIN, the admin routes. The principal's `acr` is the session's level now
 * (read per request with its revocation state), so a token issued before a step-up passes once
 * its session is raised. Whether MFA is on is read from the database, not from a cache that a
 * just-enabled factor could still be racing.
 */
@Injectable()
export class StepUpGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reflector: Reflector,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const required =
      this.reflector.getAllAndOverride<boolean | undefined>(REQUIRES_AAL2, targets) === true ||
      (this.config.mfaRequiredForAdmin &&
        (this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, targets) ?? []).includes('admin'));
    if (!required) return true;
    const principal = context.switchToHttp().getRequest<{ user?: Principal | ClientPrincipal }>().user;
    // A client has no second factor: its secret is its authentication.
    if (!principal || isClientPrincipal(principal) || principal.acr === 'aal2') return true;
    const user = await this.users.findById(principal.userId);
    if (!user?.mfaEnabled) return true;
    context.switchToHttp().getResponse<FastifyReply>().header('WWW-Authenticate', STEP_UP_CHALLENGE);
    throw new UnauthorizedException(STEP_UP_MESSAGE);
  }
}
