import { Injectable, NotFoundException } from '@nestjs/common';
import { MfaResetService } from '../mfa/mfa-reset.service.js';
import { UserDto } from '../users/dto/user.dto.js';
import { UserAdminService } from '../users/user-admin.service.js';
import type { User } from '../users/user.entity.js';
import { type NewUser, UsersService } from '../users/users.service.js';
import { type ParsedArgs, stringFlag } from './args.js';

export class UsageError extends Error {}

export interface RoleChange {
  email: string;
  add: boolean;
}

// Flags are checked before the CLI opens the database, so a typo fails at once.

export function createInput(args: ParsedArgs): NewUser {
  const email = stringFlag(args, 'email');
  const password = stringFlag(args, 'password');
  if (!email || !password) throw new UsageError('user:create needs --email E --password P [--admin] [--verified]');
  return {
    email,
    password,
    username: stringFlag(args, 'username'),
    displayName: stringFlag(args, 'display-name'),
    roles: args.flags.admin ? ['user', 'admin'] : ['user'],
    verified: args.flags.verified === true,
  };
}

export function roleInput(args: ParsedArgs): RoleChange {
  const add = stringFlag(args, 'add');
  const remove = stringFlag(args, 'remove');
  const email = stringFlag(args, 'email');
  if (!email || (add === undefined) === (remove === undefined) || (add ?? remove) !== 'admin') {
    throw new UsageError('user:role needs --email E and either --add admin or --remove admin');
  }
  return { email, add: add !== undefined };
}

export function emailInput(args: ParsedArgs): string {
  const email = stringFlag(args, 'email');
  if (!email) throw new UsageError(`${args.command} needs --email E`);
  return email;
}

/** `user:*` commands: bootstrap and operate accounts without the API. */
@Injectable()
export class UserCommands {
  constructor(
    private readonly users: UsersService,
    private readonly admin: UserAdminService,
    private readonly mfaReset: MfaResetService,
  ) {}

  async create(input: NewUser): Promise<string> {
    return JSON.stringify(UserDto.from(await this.users.create(input)));
  }

  /** Grants or removes admin; never removes the last enabled admin (409 from UserAdminService). */
  async role({ email, add }: RoleChange): Promise<string> {
    const user = await this.find(email);
    const roles = add ? [...user.roles, 'admin' as const] : user.roles.filter((role) => role !== 'admin');
    return JSON.stringify(UserDto.from(await this.admin.update(user.id, { roles })));
  }

  /** Disabling revokes every session of the user. */
  async setDisabled(email: string, disabled: boolean): Promise<string> {
    const user = await this.find(email);
    return JSON.stringify(UserDto.from(await this.admin.update(user.id, { disabled })));
  }

  /** Removes every factor and recovery code and revokes every session (as DELETE /users/:id/mfa). */
  async mfaResetByEmail(email: string): Promise<string> {
    const user = await this.find(email);
    return JSON.stringify(UserDto.from(await this.mfaReset.reset(user.id)));
  }

  private async find(email: string): Promise<User> {
    const user = await this.users.findByEmail(email);
    if (!user) throw new NotFoundException(`No user with the email ${email}`);
    return user;
  }
}
