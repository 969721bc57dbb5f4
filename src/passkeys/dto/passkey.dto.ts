import { ApiProperty } from '@nestjs/swagger';
import type { Passkey } from '../passkey.entity.js';

/** One of my passkeys: never its public key, nor its credential id. */
export class PasskeyDto {
  @ApiProperty({ format: 'uuid', example: '7d1f0c2a-5b3e-4a8f-9c61-2e4d6f8a0b13' })
  id: string;

  @ApiProperty({ type: String, nullable: true, example: 'MacBook Touch ID' })
  name: string | null;

  @ApiProperty({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-01-02T08:30:00.000Z' })
  last_used_at: string | null;

  @ApiProperty({ example: true, description: 'Synced to the provider\'s cloud (a "multi-device" passkey)' })
  backed_up: boolean;

  @ApiProperty({ type: [String], example: ['internal', 'hybrid'], description: 'How the browser can reach it' })
  transports: string[];

  static from(passkey: Passkey): PasskeyDto {
    return {
      id: passkey.id,
      name: passkey.name,
      created_at: passkey.createdAt.toISOString(),
      last_used_at: passkey.lastUsedAt?.toISOString() ?? null,
      backed_up: passkey.backedUp,
      transports: passkey.transports,
    };
  }
}
