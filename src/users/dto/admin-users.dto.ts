import { ApiProperty } from '@nestjs/swagger';
import { PageQuery } from '../../common/page.query.js';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ROLES, type Role } from '../../common/principal.js';
import { UserDto } from './user.dto.js';

export class ListUsersQuery extends PageQuery {
  @ApiProperty({ required: false, example: 'example.com', description: 'Case-insensitive substring of the email' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;
}

export class UserPageDto {
  @ApiProperty({ type: [UserDto] })
  items: UserDto[];

  @ApiProperty({ example: 42, description: 'Users matching the filter, all pages together' })
  total: number;

  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 20 })
  limit: number;
}

/** What an admin may change on an account; any other field → 400. */
export class AdminUpdateUserDto {
  @ApiProperty({
    required: false,
    type: [String],
    enum: ROLES,
    example: ['user', 'admin'],
    description: '"user" is always kept (added when missing); [] or ["user"] removes admin',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(ROLES.length)
  @IsIn(ROLES, { each: true, message: `roles must be a subset of [${ROLES.join(', ')}]` })
  roles?: Role[];

  @ApiProperty({ required: false, example: true, description: 'true revokes every session of the user' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiProperty({ required: false, example: true })
  @IsOptional()
  @IsBoolean()
  email_verified?: boolean;
}
