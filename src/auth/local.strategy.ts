import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-local';
import type { User } from '../users/user.entity.js';
import { clientInfo } from '../common/client-info.js';
import { CredentialsService } from './credentials.service.js';

/** The OAuth2 password grant's credential check: `username` is an email or a username. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly credentials: CredentialsService) {
    // The request is needed for the client IP (per-account-and-IP back-off, audit log).
    super({ usernameField: 'username', passwordField: 'password', session: false, passReqToCallback: true });
  }

  validate(request: FastifyRequest, username: string, password: string): Promise<User> {
    return this.credentials.authenticate(username, password, clientInfo(request));
  }
}
