import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/;

const lowerTrimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;
// An empty display name is no display name.
const trimmedOrNull = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || null : value);

/**
 * The only fields a user may change on their own account. Anything else (roles,
 * email_verified, disabled, email...) is refused with 400 by the global ValidationPipe
 * (whitelist + forbidNonWhitelisted), so there is no mass assignment.
 */
export class UpdateMeDto {
  @ApiProperty({
    required: false,
    nullable: true,
    type: String,
    example: 'alice',
    pattern: USERNAME_PATTERN.source,
    description: 'Stored lower-case; unique (409 when taken); null removes it',
  })
  @IsOptional()
  @Transform(lowerTrimmed)
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3 to 32 characters of a-z, 0-9, _, . or -' })
  username?: string | null;

  @ApiProperty({
    required: false,
    nullable: true,
    type: String,
    example: 'Alice Liddell',
    maxLength: 100,
    description: 'null (or an empty string) removes it',
  })
  @IsOptional()
  @Transform(trimmedOrNull)
  @IsString()
  @MaxLength(100)
  display_name?: string | null;
}
