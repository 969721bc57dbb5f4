import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AccountService } from './account.service.js';
import { AdminUsersController } from './admin-users.controller.js';
import { PasswordHasherService } from './password-hasher.service.js';
import { PasswordPolicyService } from './password-policy.service.js';
import { UserAdminService } from './user-admin.service.js';
import { User } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([User]), SessionsModule],
  controllers: [UsersController, AdminUsersController],
  providers: [UsersService, PasswordHasherService, PasswordPolicyService, AccountService, UserAdminService],
  exports: [UsersService, PasswordHasherService, PasswordPolicyService, UserAdminService],
})
export class UsersModule {}
