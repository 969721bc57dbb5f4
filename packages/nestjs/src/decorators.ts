import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { WardenPrincipal } from './principal.js';

export const IS_PUBLIC = 'warden:public';
export const REQUIRED_SCOPES = 'warden:scopes';
export const REQUIRED_ROLES = 'warden:roles';
export const REQUIRED_AAL = 'warden:aal';

/** NIST 800-63B authenticator assurance levels, weakest first. */
export const AAL_LEVELS = ['aal1', 'aal2', 'aal3'] as const;
export type AalLevel = (typeof AAL_LEVELS)[number];

/** The route (or controller) needs no token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The token must carry every one of these scopes (403 `insufficient_scope` otherwise). */
export const Scopes = (...scopes: string[]) => SetMetadata(REQUIRED_SCOPES, scopes);

/** The token's `roles` claim must hold every one of these roles (403 otherwise). */
export const Roles = (...roles: string[]) => SetMetadata(REQUIRED_ROLES, roles);

/** The session must be at least at this level (401 `insufficient_user_authentication`, RFC 9470). */
export const RequireAal = (level: AalLevel) => SetMetadata(REQUIRED_AAL, level);

/** Injects the verified caller (`request.user`) into a handler parameter. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): WardenPrincipal | undefined =>
    context.switchToHttp().getRequest<{ user?: WardenPrincipal }>().user,
);
