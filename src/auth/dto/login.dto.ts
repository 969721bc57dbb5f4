import { BadRequestException } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import {
  IsNotEmpty,
  IsObject,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateIf,
  type ValidationArguments,
} from 'class-validator';
import type { SecondFactorCode } from '../second-factor.service.js';
import { UserDto } from '../../users/dto/user.dto.js';

// One message per field: "required" when absent, else what is wrong with it.
const loginMessage = (args: ValidationArguments) =>
  args.value === undefined || args.value === ''
    ? 'email or username is required'
    : `${args.property} must be a string of at most 320 characters`;
const LOGIN = /^[^\n]{1,320}$/;

/** Browser login: an email or a username, and the password. */
export class LoginDto {
  @ApiProperty({ required: false, example: 'alice@example.com', description: 'Email (or send `username`)' })
  // Checked whenever sent, also beside a username: the login uses `email` first (found by the fuzz suite).
  @ValidateIf((o: LoginDto) => o.email !== undefined || o.username === undefined)
  @Matches(LOGIN, { message: loginMessage })
  email?: string;

  @ApiProperty({ required: false, example: 'alice', description: 'Username or email (instead of `email`)' })
  @ValidateIf((o: LoginDto) => o.username !== undefined)
  @Matches(LOGIN, { message: loginMessage })
  username?: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password: string;
}

export class LoginResponseDto {
  @ApiProperty({ type: UserDto })
  user: UserDto;

  @ApiProperty({ example: 900, description: 'Lifetime of the access_token cookie, in seconds' })
  expires_in: number;
}

export class RefreshResponseDto {
  @ApiProperty({ example: 900, description: 'Lifetime of the new access_token cookie, in seconds' })
  expires_in: number;
}

/** The cookie login's answer for a user with two-factor authentication on (202, with the mfa_token cookie). */
export class MfaRequiredLoginDto {
  @ApiProperty({ example: true })
  mfa_required: true;

  @ApiProperty({ type: [String], example: ['totp', 'recovery_code'] })
  mfa_methods: string[];
}

const oneCode = (args: ValidationArguments) =>
  `send exactly one of otp and recovery_code${args.value === undefined ? '' : `; ${args.property} must be a short string`}`;

/** A second factor: a TOTP code, a recovery code, or a passkey (challenge_id and credential) — exactly one. */
export class SecondFactorDto {
  @ApiProperty({ required: false, example: '123456', description: 'The code the authenticator app shows' })
  @ValidateIf(
    (o: SecondFactorDto) =>
      o.otp !== undefined ||
      (o.recovery_code === undefined && o.challenge_id === undefined && o.credential === undefined),
  )
  @IsString({ message: oneCode })
  @IsNotEmpty({ message: oneCode })
  @MaxLength(64, { message: oneCode })
  otp?: string;

  @ApiProperty({ required: false, example: 'k3x9p-2mfq7', description: 'A recovery code (any case, hyphen optional)' })
  @ValidateIf((o: SecondFactorDto) => o.recovery_code !== undefined)
  @IsString({ message: oneCode })
  @IsNotEmpty({ message: oneCode })
  @MaxLength(64, { message: oneCode })
  recovery_code?: string;

  @ApiProperty({
    required: false,
    format: 'uuid',
    description: 'A passkey instead: the challenge_id of POST /auth/passkeys/authentication/options',
  })
  @ValidateIf((o: SecondFactorDto) => o.challenge_id !== undefined || o.credential !== undefined)
  @IsUUID()
  challenge_id?: string;

  @ApiProperty({
    required: false,
    type: Object,
    additionalProperties: true,
    description: 'With challenge_id: the AuthenticationResponseJSON of navigator.credentials.get()',
  })
  @ValidateIf((o: SecondFactorDto) => o.challenge_id !== undefined || o.credential !== undefined)
  @IsObject()
  credential?: AuthenticationResponseJSON;
}

/** The code of a SecondFactorDto; 400 unless exactly one was sent. */
export function secondFactorCode(dto: SecondFactorDto): SecondFactorCode {
  const passkey = dto.challenge_id !== undefined || dto.credential !== undefined;
  if (dto.otp !== undefined && dto.recovery_code !== undefined) {
    throw new BadRequestException(['send exactly one of otp and recovery_code']);
  }
  if (passkey && (dto.otp !== undefined || dto.recovery_code !== undefined)) {
    throw new BadRequestException(['send exactly one of otp, recovery_code and a passkey (challenge_id, credential)']);
  }
  if (passkey && (dto.challenge_id === undefined || dto.credential === undefined)) {
    throw new BadRequestException(['a passkey needs both challenge_id and credential']);
  }
  if (passkey) return { passkey: { challenge_id: dto.challenge_id!, credential: dto.credential! } };
  return dto.otp !== undefined ? { otp: dto.otp } : { recovery_code: dto.recovery_code! };
}
