import { Injectable } from '@nestjs/common';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import type { RegisterDto } from './dto/register.dto.js';

/** Self-service sign-up: the account starts unverified with the `user` role. */
@Injectable()
export class RegistrationService {
  constructor(private readonly users: UsersService) {}

  register(dto: RegisterDto): Promise<User> {
    return this.users.create({
      email: dto.email,
      password: dto.password,
      username: dto.username,
      displayName: dto.display_name,
    });
  }
}
