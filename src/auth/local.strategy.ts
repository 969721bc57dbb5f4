import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import type { User } from '../users/user.entity.js';
import { CredentialsService } from './credentials.service.js';

/** The OAuth2 password grant's credential check: `username` is an email or a username. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly credentials: CredentialsService) {
    super({ usernameField: 'username', passwordField: 'password', session: false });
  }

  validate(username: string, password: string): Promise<User> {
    return this.credentials.authenticate(username, password);
  }
}
