import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { SessionsService } from '../sessions/sessions.service.js';
import { accessTokenFromRequest } from './access-token-extractor.js';
import { AccessTokenService, InvalidAccessTokenError } from './access-token.service.js';
import type { Principal } from '../common/principal.js';

export type JwtFailure = { reason: 'missing' | 'invalid' };

type Done = (err: unknown, user?: Principal | false, info?: JwtFailure) => void;

/**
 * The access token (bearer header or cookie), verified with jose (EdDSA and `typ: at+jwt`,
 * which jsonwebtoken under passport-jwt cannot do); a verified token still fails when its
 * session was revoked or its user disabled or deleted.
 */
@Injectable()
export class JwtStrategy extends Strategy {
  constructor(tokens: AccessTokenService, sessions: SessionsService) {
    super((request: unknown, done: Done) => {
      const token = accessTokenFromRequest(request as FastifyRequest);
      if (!token) return done(null, false, { reason: 'missing' });
      tokens
        .verify(token)
        .then(async (claims): Promise<Principal | null> => {
          const session = await sessions.activeState(claims.sid, claims.sub);
          if (!session) return null;
          return {
            userId: claims.sub,
            sessionId: claims.sid,
            email: claims.email,
            roles: claims.roles,
            scopes: claims.scope ? claims.scope.split(' ') : [],
            acr: session.acr,
          };
        })
        .then(
          (principal) => (principal ? done(null, principal) : done(null, false, { reason: 'invalid' })),
          (err: unknown) =>
            err instanceof InvalidAccessTokenError ? done(null, false, { reason: 'invalid' }) : done(err),
        );
    });
  }
}
