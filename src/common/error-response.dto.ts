import { ApiProperty } from '@nestjs/swagger';

/** The error body of every route but the token endpoint. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['email must be an email'],
  })
  message: string | string[];

  @ApiProperty({ example: '8b7c1f0e-2f4a-4c55-9d0e-3f9a1c2b7d64' })
  request_id: string;
}

/** RFC 6749 §5.2 error body of the token endpoint. */
export class OAuthErrorResponseDto {
  @ApiProperty({
    enum: ['invalid_request', 'invalid_grant', 'unsupported_grant_type', 'invalid_scope', 'too_many_requests'],
    example: 'invalid_grant',
  })
  error: string;

  @ApiProperty({ example: 'Invalid email or password' })
  error_description: string;
}
