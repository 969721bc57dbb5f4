import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenService } from './access-token.service.js';
import { AuthController } from './auth.controller.js';
import { BrowserAuthController } from './browser-auth.controller.js';
import { CredentialsService } from './credentials.service.js';
import { JwtKeysService } from './jwt-keys.service.js';
import { JwtStrategy } from './jwt.strategy.js';
import { LocalStrategy } from './local.strategy.js';
import { OAuthController } from './oauth.controller.js';
import { RegistrationService } from './registration.service.js';
import { TokenInspectorService } from './token-inspector.service.js';
import { TokenIssuerService } from './token-issuer.service.js';
import { WellKnownController } from './well-known.controller.js';

@Module({
  imports: [PassportModule, UsersModule, SessionsModule],
  controllers: [AuthController, BrowserAuthController, OAuthController, WellKnownController],
  providers: [
    JwtKeysService,
    AccessTokenService,
    CredentialsService,
    TokenIssuerService,
    TokenInspectorService,
    RegistrationService,
    LocalStrategy,
    JwtStrategy,
  ],
  exports: [AccessTokenService, JwtKeysService, JwtStrategy],
})
export class AuthModule {}
