import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { FederatedIdentity } from '../federated-identity.entity.js';

/** A provider one can sign in with. */
export class ProviderDto {
  @ApiProperty({ example: 'google' })
  id: string;

  @ApiProperty({ example: 'Google' })
  name: string;
}

/** One of my linked providers. */
export class IdentityDto {
  @ApiProperty({ example: 'google', description: 'The provider id (AUTH_PROVIDERS)' })
  provider: string;

  @ApiProperty({ example: '110248495921238986420', description: "The provider's id of my account there" })
  subject: string;

  @ApiProperty({ type: String, nullable: true, example: 'alice@example.com' })
  email: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' })
  created_at: string;

  static from(identity: FederatedIdentity): IdentityDto {
    return {
      provider: identity.provider,
      subject: identity.subject,
      email: identity.email,
      created_at: identity.createdAt.toISOString(),
    };
  }
}

export class LinkIdentityDto {
  @ApiPropertyOptional({
    example: '/account',
    description:
      'Where the browser goes after the provider (a Warden path or a registered redirect URI; default /account)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  return_to?: string;
}

export class AuthorizationUrlDto {
  @ApiProperty({
    example: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=…&state=…&nonce=…&code_challenge=…',
    description: "Open this in the same browser (it holds the flow's binding cookie, set by this response)",
  })
  authorization_url: string;
}
