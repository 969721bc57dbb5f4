import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-jwt';
import { SessionsService } from '../sessions/sessions.service.js';
import { accessTokenFromRequest } from './access-token-extractor.js';
import { type AccessTokenClaims, AccessTokenService, InvalidAccessTokenError } from './access-token.service.js';
import type { Principal } from '../common/principal.js';

export type JwtFailure = { reason: 'missing' | 'invalid' };

interface PassportActions {
  success(user: Principal): void;
  fail(info: JwtFailure, status: number): void;
  error(err: unknown): void;
}

/**
 * passport-jwt's extraction and passport flow, with verification by jose: jsonwebtoken (which
 * passport-jwt calls) knows no EdDSA and cannot require `typ: at+jwt`.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: (req: unknown) => accessTokenFromRequest(req as FastifyRequest) ?? null,
      secretOrKeyProvider: (_req: unknown, _token: unknown, done: (err: null, key: string) => void) =>
        done(null, 'unused'),
    });
  }

  override authenticate(this: JwtStrategy & PassportActions, req: Parameters<Strategy['authenticate']>[0]): void {
    const token = accessTokenFromRequest(req as unknown as FastifyRequest);
    if (!token) return this.fail({ reason: 'missing' }, 401);
    this.tokens
      .verify(token)
      .then((claims) => this.validate(claims))
      .then(
        (principal) => (principal ? this.success(principal) : this.fail({ reason: 'invalid' }, 401)),
        (err: unknown) =>
          err instanceof InvalidAccessTokenError ? this.fail({ reason: 'invalid' }, 401) : this.error(err),
      );
  }

  /** A verified token still fails when its session was revoked or its user disabled or deleted. */
  async validate(claims: AccessTokenClaims): Promise<Principal | null> {
    if (!(await this.sessions.isActive(claims.sid, claims.sub))) return null;
    return {
      userId: claims.sub,
      sessionId: claims.sid,
      email: claims.email,
      roles: claims.roles,
      scopes: claims.scope ? claims.scope.split(' ') : [],
    };
  }
}
