import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

const EXAMPLE_CHALLENGE_ID = '3c9e6a1f-8b2d-4f70-a5c4-1d7e9b0f2a36';

export class RegistrationOptionsResponseDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_CHALLENGE_ID, description: 'Send it back with the credential' })
  challenge_id: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'PublicKeyCredentialCreationOptionsJSON: pass to navigator.credentials.create() (WebAuthn L3)',
    example: {
      rp: { name: 'Warden', id: 'auth.example.com' },
      user: { id: 'm5U1e2X7yJvQ0k9bq3m4Yv8t0zQ6w1rS2c5d8f9g0hA', name: 'alice@example.com', displayName: 'Alice' },
      challenge: 'Vb3wV3lX0p8zJ2gq9c4Ck1mR6tY5uI7oP0aS9dF2hJ4',
      pubKeyCredParams: [
        { alg: -7, type: 'public-key' },
        { alg: -8, type: 'public-key' },
        { alg: -257, type: 'public-key' },
      ],
      timeout: 300000,
      attestation: 'none',
      excludeCredentials: [],
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    },
  })
  options: PublicKeyCredentialCreationOptionsJSON;
}

export class AuthenticationOptionsResponseDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_CHALLENGE_ID, description: 'Send it back with the credential' })
  challenge_id: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'PublicKeyCredentialRequestOptionsJSON: pass to navigator.credentials.get() (WebAuthn L3)',
    example: {
      rpId: 'auth.example.com',
      challenge: 'Vb3wV3lX0p8zJ2gq9c4Ck1mR6tY5uI7oP0aS9dF2hJ4',
      allowCredentials: [],
      timeout: 300000,
      userVerification: 'required',
    },
  })
  options: PublicKeyCredentialRequestOptionsJSON;
}

export class PasskeyRegistrationDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_CHALLENGE_ID })
  @IsUUID()
  challenge_id: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'RegistrationResponseJSON, as navigator.credentials.create() answers it (toJSON())',
  })
  @IsObject()
  credential: RegistrationResponseJSON;

  @ApiPropertyOptional({ example: 'MacBook Touch ID', maxLength: 64 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  name?: string;
}

export class PasskeyRenameDto {
  @ApiProperty({ example: 'Work laptop', maxLength: 64 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  name: string;
}

/** Body of the authentication-options route: nothing (yet). */
export class AuthenticationOptionsDto {}

export class PasskeyLoginDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_CHALLENGE_ID })
  @IsUUID()
  challenge_id: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'AuthenticationResponseJSON, as navigator.credentials.get() answers it (toJSON())',
  })
  @IsObject()
  credential: AuthenticationResponseJSON;
}
