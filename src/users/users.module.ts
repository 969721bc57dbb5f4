import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordHasherService } from './password-hasher.service.js';
import { PasswordPolicyService } from './password-policy.service.js';
import { UserCacheService } from './user-cache.service.js';
import { User } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([User])],
  controllers: [UsersController],
  providers: [UsersService, PasswordHasherService, PasswordPolicyService, UserCacheService],
  exports: [UsersService, PasswordHasherService, PasswordPolicyService, UserCacheService],
})
export class UsersModule {}
