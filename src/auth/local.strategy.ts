import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { clientInfo } from '../common/client-info.js';
import { type LoginProof, LoginService } from './login.service.js';

/** Credentials a login route has already parsed and checked (LocalAuthGuard). */
export interface PasswordCredentials {
  login: string;
  password: string;
}

export type CredentialsRequest = FastifyRequest & { credentials?: PasswordCredentials };

/**
 * The password check of every password login (token endpoint and browser login): takes the
 * credentials the route parsed and hands them to the login service. Its user is the proof that
 * LoginService.complete turns into a session.
 */
@Injectable()
export class LocalStrategy extends Strategy {
  constructor(login: LoginService) {
    super((req: unknown, done: (err: unknown, user?: LoginProof | false) => void) => {
      const request = req as CredentialsRequest;
      const credentials = request.credentials;
      if (!credentials) return done(null, false);
      login.checkPassword(credentials.login, credentials.password, clientInfo(request)).then(
        (proof) => done(null, proof),
        (err: unknown) => done(err),
      );
    });
  }
}
