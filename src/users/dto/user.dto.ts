import { ApiProperty } from '@nestjs/swagger';
import type { Role } from '../../common/principal.js';
import type { User } from '../user.entity.js';

/** The public shape of a user: never a hash, code or token. */
export class UserDto {
  @ApiProperty({ format: 'uuid', example: '4f6c1a9e-2b7d-4d51-9a53-0f2b8f9e3c11' })
  id: string;

  @ApiProperty({ example: 'alice@example.com' })
  email: string;

  @ApiProperty({ type: String, nullable: true, example: 'alice' })
  username: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Alice Liddell' })
  display_name: string | null;

  @ApiProperty({ example: false })
  email_verified: boolean;

  @ApiProperty({ type: [String], enum: ['user', 'admin'], example: ['user'] })
  roles: Role[];

  @ApiProperty({ example: false })
  disabled: boolean;

  @ApiProperty({
    example: false,
    description: 'Two-factor authentication is on (the user has a confirmed TOTP factor)',
  })
  mfa_enabled: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' })
  created_at: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' })
  updated_at: string;

  static from(user: User): UserDto {
    return {
      id: user.id,
      email: user.email,
      username: user.username,
      display_name: user.displayName,
      email_verified: user.emailVerifiedAt !== null,
      roles: user.roles,
      disabled: user.disabledAt !== null,
      mfa_enabled: user.mfaEnabled,
      created_at: user.createdAt.toISOString(),
      updated_at: user.updatedAt.toISOString(),
    };
  }
}
