import { BadRequestException, Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { sendError } from './all-exceptions.filter.js';

function fakeReply() {
  const reply = { statusCode: 0, body: undefined as unknown, headers: {} as Record<string, string> };
  const api = {
    status(code: number) {
      reply.statusCode = code;
      return api;
    },
    headers(h: Record<string, string>) {
      Object.assign(reply.headers, h);
      return api;
    },
    send(body: unknown) {
      reply.body = body;
      return api;
    },
  };
  return { reply, api };
}

describe('sendError', () => {
  const request = { id: 'req-1' } as never;
  const logged: unknown[] = [];
  const logger = { error: (...args: unknown[]) => logged.push(args) } as unknown as Logger;

  it('turns an unknown error into the generic 500 and logs the details with the request id', () => {
    const { reply, api } = fakeReply();
    sendError(new Error('connection to 10.0.0.5 refused: SELECT * FROM users'), request, api as never, logger);
    expect(reply.statusCode).toBe(500);
    expect(reply.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      request_id: 'req-1',
    });
    expect(JSON.stringify(logged)).toContain('req-1');
  });

  it('maps a Postgres unique violation to 409, never 500', () => {
    const { reply, api } = fakeReply();
    const violation = new QueryFailedError(
      'INSERT …',
      [],
      Object.assign(new Error('duplicate key'), { code: '23505' }),
    );
    sendError(violation, request, api as never, logger);
    expect(reply.statusCode).toBe(409);
    expect(reply.body).toMatchObject({ statusCode: 409, error: 'Conflict', request_id: 'req-1' });
  });

  it('keeps the message array of a validation error', () => {
    const { reply, api } = fakeReply();
    sendError(new BadRequestException(['email must be an email']), request, api as never, logger);
    expect(reply.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['email must be an email'],
      request_id: 'req-1',
    });
  });

  it('answers 503 with Retry-After when the database is unreachable, and logs it as a warning', () => {
    const { reply, api } = fakeReply();
    const warned: unknown[] = [];
    const warnLogger = { warn: (...args: unknown[]) => warned.push(args), error: () => undefined } as unknown as Logger;
    sendError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      request,
      api as never,
      warnLogger,
    );
    expect(reply.statusCode).toBe(503);
    expect(reply.headers['retry-after']).toBe('5');
    expect(reply.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', request_id: 'req-1' });
    expect(JSON.stringify(reply.body)).not.toContain('5432');
    expect(JSON.stringify(warned)).toContain('req-1');
  });

  it('answers the token endpoint RFC 6749 temporarily_unavailable during an outage', () => {
    const { reply, api } = fakeReply();
    const tokenRequest = { id: 'req-2', routeOptions: { url: '/auth/token', config: { oauthErrors: true } } } as never;
    const warnLogger = { warn: () => undefined } as unknown as Logger;
    sendError(new Error('timeout exceeded when trying to connect'), tokenRequest, api as never, warnLogger);
    expect(reply.statusCode).toBe(503);
    expect(reply.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
    expect(reply.headers['cache-control']).toBe('no-store');
  });
});
