import { ApiProperty } from '@nestjs/swagger';

/** RFC 7009 §2.1 / RFC 7662 §2.1 request (form); other parameters (client_id…) are ignored. */
export class TokenParamDto {
  @ApiProperty({
    description: 'A refresh token or an access token',
    example: 'q0m8Yb9H1l2kq1cYp6mR3xq6zv8cJ6sX3b0KfP2rT1E',
  })
  token: string;

  @ApiProperty({ required: false, enum: ['refresh_token', 'access_token'], description: 'Optional; not needed' })
  token_type_hint?: string;
}

export class IntrospectionResponseDto {
  @ApiProperty({ example: true })
  active: boolean;

  @ApiProperty({ required: false, format: 'uuid', example: '4f6c1a9e-2b7d-4d51-9a53-0f2b8f9e3c11' })
  sub?: string;

  @ApiProperty({ required: false, format: 'uuid', example: '0b6f1d2e-7c3a-4e59-8f10-2a4b6c8d0e12' })
  sid?: string;

  @ApiProperty({ required: false, example: 'profile' })
  scope?: string;

  @ApiProperty({ required: false, example: 1767270600 })
  exp?: number;

  @ApiProperty({ required: false, example: 1767269700 })
  iat?: number;

  @ApiProperty({ required: false, example: 'https://auth.example.com' })
  iss?: string;

  @ApiProperty({ required: false, example: 'warden' })
  aud?: string;

  @ApiProperty({ required: false, example: '5f0c8a51-6a37-4f7e-9a1e-2d4b8c6e0f13' })
  jti?: string;

  @ApiProperty({ required: false, example: 'bearer', description: 'Present for access tokens' })
  token_type?: string;

  @ApiProperty({ required: false, example: 'alice@example.com' })
  email?: string;

  @ApiProperty({ required: false, type: [String], example: ['user'] })
  roles?: string[];

  @ApiProperty({
    required: false,
    enum: ['aal1', 'aal2'],
    example: 'aal1',
    description: "The session's assurance level now (raised by step-up)",
  })
  acr?: string;

  @ApiProperty({ required: false, type: [String], example: ['pwd'], description: 'RFC 8176 authentication methods' })
  amr?: string[];

  @ApiProperty({
    required: false,
    example: 1767269700,
    description: "The session's last authentication (epoch seconds)",
  })
  auth_time?: number;

  @ApiProperty({
    required: false,
    format: 'uuid',
    description: 'The OAuth client of a client_credentials token (then `sub` is the client too, and no sid)',
  })
  client_id?: string;
}
