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
    required: false,
    description: 'Opaque, single-use; rotate it with grant_type=refresh_token (none for client_credentials)',
  })
  refresh_token?: string;

  @ApiProperty({ example: 'profile' })
  scope: string;

  @ApiProperty({
    required: false,
    description: 'OpenID Connect ID token (authorization_code grant with the openid scope)',
    example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl',
  })
  id_token?: string;
}

/** Documents the token endpoint's form fields (RFC 6749 §4.3 and §6). */
export class TokenRequestDto {
  @ApiProperty({
    enum: [
      'password',
      'refresh_token',
      'urn:warden:params:oauth:grant-type:mfa-otp',
      'urn:warden:params:oauth:grant-type:mfa-recovery-code',
      'urn:warden:params:oauth:grant-type:passkey',
      'urn:warden:params:oauth:grant-type:mfa-passkey',
      'client_credentials',
    ],
    example: 'password',
  })
  grant_type: string;

  @ApiProperty({
    required: false,
    description: 'The client (a public client names itself so; a confidential one may use client_secret_basic instead)',
    format: 'uuid',
  })
  client_id?: string;

  @ApiProperty({
    required: false,
    description: 'client_secret_post: the client secret (not together with an Authorization: Basic header)',
  })
  client_secret?: string;

  @ApiProperty({ required: false, description: 'Email or username (password grant)', example: 'alice@example.com' })
  username?: string;

  @ApiProperty({ required: false, description: 'Password (password grant)', example: 'correct horse battery staple' })
  password?: string;

  @ApiProperty({ required: false, description: 'Refresh token (refresh_token grant)' })
  refresh_token?: string;

  @ApiProperty({ required: false, description: 'The mfa_token of the mfa_required answer (the two mfa grants)' })
  mfa_token?: string;

  @ApiProperty({ required: false, description: 'A TOTP code (mfa-otp grant)', example: '123456' })
  otp?: string;

  @ApiProperty({
    required: false,
    description: 'A recovery code, any case, hyphen optional (mfa-recovery-code grant)',
    example: 'k3x9p-2mfq7',
  })
  recovery_code?: string;

  @ApiProperty({ required: false, description: 'The code of /oauth/authorize (authorization_code grant)' })
  code?: string;

  @ApiProperty({
    required: false,
    description: 'The redirect_uri of the authorization request, exactly (authorization_code grant)',
  })
  redirect_uri?: string;

  @ApiProperty({
    required: false,
    description: 'The PKCE code_verifier, 43 to 128 characters (authorization_code grant)',
  })
  code_verifier?: string;

  @ApiProperty({
    required: false,
    description: 'Space-separated scopes: profile, users:read, users:write',
    example: 'profile',
  })
  scope?: string;

  @ApiProperty({
    required: false,
    format: 'uuid',
    description: 'The challenge_id of POST /auth/passkeys/authentication/options (passkey and mfa-passkey grants)',
  })
  challenge_id?: string;

  @ApiProperty({
    required: false,
    description:
      'The AuthenticationResponseJSON of navigator.credentials.get() as a JSON string (passkey and mfa-passkey grants)',
  })
  credential?: string;
}

/** The password grant's answer for a user with two-factor authentication on (400). */
export class MfaRequiredResponseDto {
  @ApiProperty({ example: 'mfa_required', enum: ['mfa_required'] })
  error: 'mfa_required';

  @ApiProperty({ example: 'A second factor is required: send a code with the mfa_token' })
  error_description: string;

  @ApiProperty({
    example: 'b7Qd2kV9sX1mN4pR8tY3wZ6cF0hJ5lA2eG7iK9oU1qS',
    description: 'Opaque; lives MFA_TOKEN_TTL, works once, dies after 5 wrong codes',
  })
  mfa_token: string;

  @ApiProperty({ type: [String], example: ['totp', 'recovery_code'] })
  mfa_methods: string[];
}
