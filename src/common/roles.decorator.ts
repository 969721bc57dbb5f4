import { SetMetadata } from '@nestjs/common';
import type { Role } from './principal.js';

export const REQUIRED_ROLES = 'warden:roles';

/** The caller must hold every listed role (checked by RolesGuard, after the JWT guard). */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);
