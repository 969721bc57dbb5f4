import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { ClientTokenStateService } from '../clients/client-token-state.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { accessTokenFromRequest } from './access-token-extractor.js';
import { AccessTokenService, InvalidAccessTokenError } from './access-token.service.js';
import type { ClientPrincipal, Principal } from '../common/principal.js';

export type JwtFailure = { reason: 'missing' | 'invalid' };

type Done = (err: unknown, user?: Principal | ClientPrincipal | false, info?: JwtFailure) => void;

/**
 * The access token (bearer header or cookie), verified with jose (EdDSA and `typ: at+jwt`,
 * which jsonwebtoken under passport-jwt cannot do); a verified token still fails when its
 * session was revoked or its user disabled or deleted. A client_credentials token (no session)
 * fails when its client was deleted, rotated its secret or lost a scope the token carries; it
 * becomes a ClientPrincipal, which JwtAuthGuard lets through only where a route accepts it.
 */
@Injectable()
export class JwtStrategy extends Strategy {
  constructor(tokens: AccessTokenService, sessions: SessionsService, clients: ClientTokenStateService) {
    super((request: unknown, done: Done) => {
      const token = accessTokenFromRequest(request as FastifyRequest);
      if (!token) return done(null, false, { reason: 'missing' });
      tokens
        .verifyAny(token)
        .then(async (verified): Promise<Principal | ClientPrincipal | null> => {
          if (verified.kind === 'client') {
            const { claims } = verified;
            const scopes = claims.scope ? claims.scope.split(' ') : [];
            const facts = { clientId: claims.client_id, generation: claims.client_gen, scopes };
            return (await clients.isActive(facts)) ? { kind: 'client', clientId: claims.client_id, scopes } : null;
          }
          const { claims } = verified;
          const session = await sessions.activeState(claims.sid, claims.sub);
          if (!session) return null;
          return {
            userId: claims.sub,
            sessionId: claims.sid,
            email: claims.email,
            roles: claims.roles,
            scopes: claims.scope ? claims.scope.split(' ') : [],
            acr: session.acr,
            ...(claims.client_id ? { clientId: claims.client_id } : {}),
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
