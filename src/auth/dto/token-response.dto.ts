import { ApiProperty } from '@nestjs/swagger';

export class TokenResponseDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl' })
  access_token: string;

  @ApiProperty({ example: 'bearer' })
  token_type: 'bearer';

  @ApiProperty({ example: 900, description: 'Access-token lifetime in seconds' })
  expires_in: number;

  @ApiProperty({
    example: 'q0m8Yb9H1l2kq1cYp6mR3xq6zv8cJ6sX3b0KfP2rT1E',
    description: 'Opaque, single-use; rotate it with grant_type=refresh_token',
  })
  refresh_token: string;

  @ApiProperty({ example: 'profile' })
  scope: string;
}

/** Documents the token endpoint's form fields (RFC 6749 §4.3 and §6). */
export class TokenRequestDto {
  @ApiProperty({ enum: ['password', 'refresh_token'], example: 'password' })
  grant_type: string;

  @ApiProperty({ required: false, description: 'Email or username (password grant)', example: 'alice@example.com' })
  username?: string;

  @ApiProperty({ required: false, description: 'Password (password grant)', example: 'correct horse battery staple' })
  password?: string;

  @ApiProperty({ required: false, description: 'Refresh token (refresh_token grant)' })
  refresh_token?: string;

  @ApiProperty({
    required: false,
    description: 'Space-separated scopes: profile, users:read, users:write',
    example: 'profile',
  })
  scope?: string;
}
