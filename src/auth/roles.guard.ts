import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '../common/principal.js';
import { UsersService } from '../users/users.service.js';
import { type ClientPrincipal, isClientPrincipal, type Principal } from '../common/principal.js';
import { REQUIRED_ROLES } from '../common/roles.decorator.js';

/**
 * Global guard for routes marked @Roles(). The token's `roles` claim says what was true at
 * login; the database says what is still true, so an admin who loses the role loses the admin
 * routes at once, not when their access token expires.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required?.length) return true;
    const principal = context.switchToHttp().getRequest<{ user?: Principal | ClientPrincipal }>().user;
    // A client token reaches only routes that accept it (JwtAuthGuard): there its scopes decide.
    if (isClientPrincipal(principal)) return true;
    const message = `This route requires the ${required.join(', ')} role`;
    if (!principal || !required.every((role) => principal.roles.includes(role))) throw new ForbiddenException(message);
    const current = await this.users.findById(principal.userId);
    if (!current || !required.every((role) => current.roles.includes(role))) throw new ForbiddenException(message);
    return true;
  }
}
