import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import type { MfaFactor } from '../mfa-factor.entity.js';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

const FACTOR_ID = '7d0c5b8e-3f41-4a2b-9c6d-1e2f3a4b5c6d';
const CODES_EXAMPLE = ['k3m9p-x2qfa', 'b7d4w-n8zr1', 'q5t2h-c9vkm', 'f8j3s-y6wdp', 'a1e7u-m4gnb'];

export class StartTotpDto {
  @ApiPropertyOptional({ example: 'Phone', maxLength: 64, description: 'A name to tell authenticators apart' })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  name?: string;
}

export class TotpEnrolmentDto {
  @ApiProperty({ format: 'uuid', example: FACTOR_ID })
  factor_id: string;

  @ApiProperty({ example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', description: 'Base32 (no padding) of 20 random bytes' })
  secret: string;

  @ApiProperty({
    example:
      'otpauth://totp/Warden:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Warden&algorithm=SHA1&digits=6&period=30',
  })
  otpauth_uri: string;

  @ApiProperty({ example: 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmci…' })
  qr_code: string;
}

export class ConfirmTotpDto {
  @ApiProperty({ format: 'uuid', example: FACTOR_ID, description: 'The factor_id of POST /auth/mfa/totp' })
  @IsUUID('all', { message: 'factor_id must be a UUID' })
  factor_id: string;

  @ApiProperty({ example: '492039', description: 'The code the authenticator app shows now' })
  @IsString()
  @MaxLength(32)
  code: string;
}

export class MfaFactorDto {
  @ApiProperty({ format: 'uuid', example: FACTOR_ID })
  id: string;

  @ApiProperty({ enum: ['totp'], example: 'totp' })
  type: 'totp';

  @ApiProperty({ type: String, nullable: true, example: 'Phone' })
  name: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  last_used_at: string | null;

  static from(factor: MfaFactor): MfaFactorDto {
    return {
      id: factor.id,
      type: factor.type,
      name: factor.name,
      created_at: factor.createdAt.toISOString(),
      last_used_at: factor.lastUsedAt?.toISOString() ?? null,
    };
  }
}

export class ConfirmTotpResponseDto {
  @ApiProperty({ type: MfaFactorDto })
  factor: MfaFactorDto;

  @ApiProperty({
    type: [String],
    nullable: true,
    example: CODES_EXAMPLE,
    description: 'Ten single-use codes when this confirmation turned MFA on (shown once); null otherwise',
  })
  recovery_codes: string[] | null;
}

export class MfaStatusDto {
  @ApiProperty({ example: true })
  enabled: boolean;

  @ApiProperty({ type: [MfaFactorDto], description: 'Confirmed factors, oldest first' })
  factors: MfaFactorDto[];

  @ApiProperty({ example: 10 })
  recovery_codes_remaining: number;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], example: CODES_EXAMPLE, description: 'Ten new single-use codes (shown once)' })
  recovery_codes: string[];
}
