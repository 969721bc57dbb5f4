import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { LimitsModule } from '../limits/limits.module.js';
import { MailModule } from '../mail/mail.module.js';
import { MfaModule } from '../mfa/mfa.module.js';
import { PasskeysModule } from '../passkeys/passkeys.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenService } from './access-token.service.js';
import { AppPassport } from './app-passport.js';
import { AuthController } from './auth.controller.js';
import { ClientCredentialsService } from './client-credentials.service.js';
import { BrowserAuthController } from './browser-auth.controller.js';
import { EmailVerificationController } from './email-verification.controller.js';
import { EmailVerificationService } from './email-verification.service.js';
import { JwtKeysService } from './jwt-keys.service.js';
import { JwtStrategy } from './jwt.strategy.js';
import { LocalStrategy } from './local.strategy.js';
import { LoginSessionWriter } from './login-session.writer.js';
import { LoginService } from './login.service.js';
import { PasskeyLoginController } from './passkey-login.controller.js';
import { PasswordResetController } from './password-reset.controller.js';
import { PasswordResetService } from './password-reset.service.js';
import { OAuthController } from './oauth.controller.js';
import { RegistrationService } from './registration.service.js';
import { SecondFactorService } from './second-factor.service.js';
import { SecondStepController } from './second-step.controller.js';
import { StepUpService } from './step-up.service.js';
import { TokenInspectorService } from './token-inspector.service.js';
import { TokenIssuerService } from './token-issuer.service.js';
import { WellKnownController } from './well-known.controller.js';
import { IdTokenService } from '../oidc/id-token.service.js';
import { AuthorizationCodesService } from '../authorize/authorization-codes.service.js';
import { CodeGrantService } from '../authorize/code-grant.service.js';

@Module({
  imports: [
    UsersModule,
    SessionsModule,
    MailModule,
    AuditModule,
    LimitsModule,
    MfaModule,
    PasskeysModule,
    ClientsModule,
  ],
  controllers: [
    AuthController,
    BrowserAuthController,
    PasskeyLoginController,
    OAuthController,
    WellKnownController,
    EmailVerificationController,
    PasswordResetController,
    SecondStepController,
  ],
  providers: [
    JwtKeysService,
    AccessTokenService,
    LoginService,
    LoginSessionWriter,
    SecondFactorService,
    StepUpService,
    TokenIssuerService,
    TokenInspectorService,
    ClientCredentialsService,
    RegistrationService,
    EmailVerificationService,
    PasswordResetService,
    LocalStrategy,
    JwtStrategy,
    AppPassport,
    IdTokenService,
    AuthorizationCodesService,
    CodeGrantService,
  ],
  exports: [
    AccessTokenService,
    JwtKeysService,
    AppPassport,
    LoginService,
    RegistrationService,
    EmailVerificationService,
    PasswordResetService,
    IdTokenService,
    AuthorizationCodesService,
  ],
})
export class AuthModule {}
