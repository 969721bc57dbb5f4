import { ApiProperty } from '@nestjs/swagger';
import { PageQuery } from '../../common/page.query.js';
import { AUTH_EVENT_TYPES, type AuthEvent, type AuthEventDetails, type AuthEventType } from '../auth-event.entity.js';
import type { EventPage } from '../audit.service.js';

export class EventsQuery extends PageQuery {}

/** One security event; `details` never holds a password, code, token or hash. */
export class AuthEventDto {
  @ApiProperty({ format: 'uuid', example: '9b1f7c2a-5d3e-4f60-8a71-2c4e6f8a0b13' })
  id: string;

  @ApiProperty({ enum: AUTH_EVENT_TYPES, example: 'login_success' })
  type: AuthEventType;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: '0b6f1d2e-7c3a-4e59-8f10-2a4b6c8d0e12' })
  session_id: string | null;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Mozilla/5.0 (X11; Linux x86_64)' })
  user_agent: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { via: 'token', scope: 'profile' },
    description: 'Event-specific facts: reason, scope, roles, actor_id (the admin who acted)…',
  })
  details: AuthEventDetails;

  @ApiProperty({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' })
  created_at: string;

  static from(event: AuthEvent): AuthEventDto {
    return {
      id: event.id,
      type: event.type,
      session_id: event.sessionId,
      ip: event.ip,
      user_agent: event.userAgent,
      details: event.details,
      created_at: event.createdAt.toISOString(),
    };
  }
}

export class AuthEventPageDto {
  @ApiProperty({ type: [AuthEventDto] })
  items: AuthEventDto[];

  @ApiProperty({ example: 42 })
  total: number;

  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 20 })
  limit: number;

  static from(page: EventPage, query: EventsQuery): AuthEventPageDto {
    return {
      items: page.items.map((event) => AuthEventDto.from(event)),
      total: page.total,
      page: query.page,
      limit: query.limit,
    };
  }
}
