import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import { type AuditActor, type AuditRecord, AuditService } from '../audit/audit.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { normalizeEmail } from './email.js';
import { assertNotLastAdmin, lockEnabledAdmins, lockUser, normalizeRoles } from './last-admin.js';
import type { Role } from '../common/principal.js';
import { User } from './user.entity.js';

export interface UserChange {
  roles?: Role[];
  disabled?: boolean;
  emailVerified?: boolean;
}

export interface UserPage {
  items: User[];
  total: number;
}

/** `%`, `_` and `\` in a search are literal characters, not LIKE wildcards. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

interface AdminFacts {
  roles: string[];
  disabled: boolean;
  verified: boolean;
}

/** The audit events an admin change amounts to (nothing for a no-op). */
function adminEvents(before: AdminFacts, after: User): Array<Pick<AuditRecord, 'type' | 'details'>> {
  const events: Array<Pick<AuditRecord, 'type' | 'details'>> = [];
  if ([...before.roles].sort().join() !== [...after.roles].sort().join()) {
    events.push({ type: 'role_changed', details: { roles: after.roles, previous_roles: before.roles } });
  }
  const disabled = after.disabledAt !== null;
  if (disabled !== before.disabled) events.push({ type: disabled ? 'account_disabled' : 'account_enabled' });
  if (!before.verified && after.emailVerifiedAt !== null) events.push({ type: 'email_verified' });
  return events;
}

/** What admins (API and CLI) do to accounts; every change keeps at least one enabled admin. */
@Injectable()
export class UserAdminService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  /** Newest first; id breaks ties so that pages never overlap (imports share created_at). */
  async list(page: number, limit: number, email?: string): Promise<UserPage> {
    const query = this.users
      .createQueryBuilder('u')
      .orderBy('u.created_at', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .skip((page - 1) * limit)
      .take(limit);
    const filter = email === undefined ? '' : normalizeEmail(email);
    if (filter) query.where(`u.email ILIKE :pattern ESCAPE '\\'`, { pattern: likeContains(filter) });
    const [items, total] = await query.getManyAndCount();
    return { items, total };
  }

  async assertExists(id: string): Promise<void> {
    if (!(await this.users.existsBy({ id }))) throw new NotFoundException('User not found');
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException('User not found');
    return user;
  }

  /**
   * Roles, disabled and email verification in one transaction; disabling revokes every session.
   * Each effective change is an audit event on the user, naming the acting admin.
   */
  update(id: string, change: UserChange, actor: AuditActor = {}): Promise<User> {
    return this.users.manager.transaction(async (em) => {
      const admins = await lockEnabledAdmins(em);
      const user = await lockUser(em, id);
      if (!user) throw new NotFoundException('User not found');
      if (change.disabled === true) assertNotLastAdmin(admins, user, 'disable');
      if (change.roles && !change.roles.includes('admin'))
        assertNotLastAdmin(admins, user, 'remove the admin role from');
      const before = {
        roles: [...user.roles],
        disabled: user.disabledAt !== null,
        verified: user.emailVerifiedAt !== null,
      };
      if (change.roles) user.roles = normalizeRoles(change.roles);
      if (change.disabled !== undefined) user.disabledAt = change.disabled ? (user.disabledAt ?? new Date()) : null;
      if (change.emailVerified !== undefined) {
        user.emailVerifiedAt = change.emailVerified ? (user.emailVerifiedAt ?? new Date()) : null;
      }
      const saved = await em.getRepository(User).save(user);
      if (change.disabled === true) await this.sessions.revokeAllForUser(id, 'account_disabled', { manager: em });
      for (const event of adminEvents(before, saved)) {
        await this.audit.recordIn(em, {
          ...event,
          userId: id,
          client: actor.client,
          details: { ...event.details, actor_id: actor.userId ?? null, via: actor.userId ? 'api' : 'cli' },
        });
      }
      return saved;
    });
  }

  /**
   * Hard delete: sessions are revoked (so caches hear of it), then the row goes and cascades,
   * the user's audit events with it. An admin's deletion of someone else is recorded on the
   * admin (the deleted user's id in details is all that remains of them).
   */
  delete(id: string, actor: AuditActor = {}): Promise<void> {
    return this.users.manager.transaction(async (em) => {
      await this.deleteWith(em, id);
      if (actor.userId && actor.userId !== id) {
        await this.audit.recordIn(em, {
          type: 'user_deleted',
          userId: actor.userId,
          client: actor.client,
          details: { target_user_id: id },
        });
      }
    });
  }

  async deleteWith(em: EntityManager, id: string): Promise<void> {
    const admins = await lockEnabledAdmins(em);
    const user = await lockUser(em, id);
    if (!user) throw new NotFoundException('User not found');
    assertNotLastAdmin(admins, user, 'delete');
    await this.sessions.revokeAllForUser(id, 'account_deleted', { manager: em });
    // Every table with a user_id references users(id) ON DELETE CASCADE (test/accounts-delete
    // checks it for each table), so this one statement removes the user's rows everywhere.
    await em.getRepository(User).delete({ id });
  }
}
