import { ConflictException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Role } from '../common/principal.js';
import { User } from './user.entity.js';

export function isEnabledAdmin(user: Pick<User, 'roles' | 'disabledAt'>): boolean {
  return user.roles.includes('admin') && user.disabledAt === null;
}

/** `user` first and always present, then `admin` when asked for; no duplicates. */
export function normalizeRoles(roles: readonly Role[]): Role[] {
  return roles.includes('admin') ? ['user', 'admin'] : ['user'];
}

/**
 * Locks the enabled admins' rows (in id order, so concurrent callers queue instead of
 * deadlocking) and returns their ids. Every change that can take an admin away takes this lock
 * first, so two admins demoting each other at once cannot leave the system with none.
 */
export async function lockEnabledAdmins(em: EntityManager): Promise<string[]> {
  const rows: Array<{ id: string }> = await em.query(
    `SELECT id FROM users WHERE 'admin' = ANY(roles) AND disabled_at IS NULL ORDER BY id FOR NO KEY UPDATE`,
  );
  return rows.map((row) => row.id);
}

/** 409 when `user` is the only enabled admin and `action` would end that. */
export function assertNotLastAdmin(enabledAdmins: string[], user: User, action: string): void {
  if (isEnabledAdmin(user) && !enabledAdmins.some((id) => id !== user.id)) {
    throw new ConflictException(`Cannot ${action} the last enabled admin; make another user admin first`);
  }
}

/** Loads a user for a change (after lockEnabledAdmins), locking its row. */
export async function lockUser(em: EntityManager, id: string): Promise<User | null> {
  return em.getRepository(User).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
}
