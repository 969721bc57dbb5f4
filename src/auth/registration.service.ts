import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import type { RegisterDto } from './dto/register.dto.js';
import { EmailVerificationService } from './email-verification.service.js';

/** Self-service sign-up: the account starts unverified with the `user` role, and a code is mailed. */
@Injectable()
export class RegistrationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly verification: EmailVerificationService,
  ) {}

  async register(dto: RegisterDto): Promise<User> {
    const prepared = await this.users.prepare({
      email: dto.email,
      password: dto.password,
      username: dto.username,
      displayName: dto.display_name,
    });
    // The user, its code and the outbox mail exist together or not at all.
    return this.dataSource.transaction(async (manager) => {
      const user = await this.users.insert(prepared, manager);
      await this.verification.sendCode(user, manager, { enforceLimits: false });
      return user;
    });
  }
}
