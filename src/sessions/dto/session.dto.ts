import { ApiProperty } from '@nestjs/swagger';
import type { Session } from '../session.entity.js';

/** One of my sessions (GET /auth/sessions). */
export class SessionDto {
  @ApiProperty({ format: 'uuid', example: '0b6f1d2e-7c3a-4e59-8f10-2a4b6c8d0e12' })
  id: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' })
  created_at: string;

  @ApiProperty({
    format: 'date-time',
    example: '2026-01-01T12:34:00.000Z',
    description: 'Updated at most once a minute',
  })
  last_used_at: string;

  @ApiProperty({ type: String, nullable: true, example: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' })
  user_agent: string | null;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  ip: string | null;

  @ApiProperty({ example: true, description: 'The session of the token that made this request' })
  current: boolean;

  static from(session: Session, currentSessionId: string): SessionDto {
    return {
      id: session.id,
      created_at: session.createdAt.toISOString(),
      last_used_at: session.lastUsedAt.toISOString(),
      user_agent: session.userAgent,
      ip: session.ip,
      current: session.id === currentSessionId,
    };
  }
}
