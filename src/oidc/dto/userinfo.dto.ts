import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OIDC Core 5.3.2: `sub` always; the rest by the scopes of the access token. */
export class UserinfoResponseDto {
  @ApiProperty({ example: '4f6c1a9e-2b7d-4d51-9a53-0f2b8f9e3c11', description: 'The user id (the id_token `sub`)' })
  sub: string;

  @ApiPropertyOptional({ example: 'alice@example.com', description: 'With the `email` scope' })
  email?: string;

  @ApiPropertyOptional({ example: true, description: 'With the `email` scope' })
  email_verified?: boolean;

  @ApiPropertyOptional({ example: 'Alice Liddell', description: 'With `profile`, when the user set a display name' })
  name?: string;

  @ApiPropertyOptional({ example: 'alice', description: 'With `profile`, when the user set a username' })
  preferred_username?: string;

  @ApiPropertyOptional({ example: 1767269700, description: 'With `profile`: last change of the account (seconds)' })
  updated_at?: number;
}
