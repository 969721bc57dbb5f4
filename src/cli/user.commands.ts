import { Injectable, NotFoundException } from '@nestjs/common';
import { UserDto } from '../users/dto/user.dto.js';
import { UserAdminService } from '../users/user-admin.service.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { type ParsedArgs, stringFlag } from './args.js';

export class UsageError extends Error {}

/** `user:*` commands: bootstrap and operate accounts without the API. */
@Injectable()
export class UserCommands {
  constructor(
    private readonly users: UsersService,
    private readonly admin: UserAdminService,
  ) {}

  async create(args: ParsedArgs): Promise<string> {
    const email = stringFlag(args, 'email');
    const password = stringFlag(args, 'password');
    if (!email || !password) throw new UsageError('user:create needs --email E --password P [--admin] [--verified]');
    const user = await this.users.create({
      email,
      password,
      username: stringFlag(args, 'username'),
      displayName: stringFlag(args, 'display-name'),
      roles: args.flags.admin ? ['user', 'admin'] : ['user'],
      verified: args.flags.verified === true,
    });
    return JSON.stringify(UserDto.from(user));
  }

  /** `user:role --email E --add admin|--remove admin`; never removes the last enabled admin. */
  async role(args: ParsedArgs): Promise<string> {
    const add = stringFlag(args, 'add');
    const remove = stringFlag(args, 'remove');
    if ((add === undefined) === (remove === undefined) || (add ?? remove) !== 'admin') {
      throw new UsageError('user:role needs --email E and either --add admin or --remove admin');
    }
    const user = await this.find(args, 'user:role');
    const roles = add ? [...user.roles, 'admin' as const] : user.roles.filter((role) => role !== 'admin');
    return JSON.stringify(UserDto.from(await this.admin.update(user.id, { roles })));
  }

  /** `user:disable --email E` (revokes every session) and `user:enable --email E`. */
  async setDisabled(args: ParsedArgs, disabled: boolean): Promise<string> {
    const user = await this.find(args, disabled ? 'user:disable' : 'user:enable');
    return JSON.stringify(UserDto.from(await this.admin.update(user.id, { disabled })));
  }

  private async find(args: ParsedArgs, command: string): Promise<User> {
    const email = stringFlag(args, 'email');
    if (!email) throw new UsageError(`${command} needs --email E`);
    const user = await this.users.findByEmail(email);
    if (!user) throw new NotFoundException(`No user with the email ${email}`);
    return user;
  }
}
