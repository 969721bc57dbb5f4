import { Injectable } from '@nestjs/common';
import { UserDto } from '../users/dto/user.dto.js';
import { UsersService } from '../users/users.service.js';
import { type ParsedArgs, stringFlag } from './args.js';

export class UsageError extends Error {}

/** `user:*` commands: bootstrap and operate accounts without the API. */
@Injectable()
export class UserCommands {
  constructor(private readonly users: UsersService) {}

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
}
