import { type CanActivate, type ExecutionContext, Injectable, SetMetadata, ValidationPipe } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { VALIDATION_OPTIONS } from '../common/validation.js';
import { OAuthError } from '../common/oauth-error.js';
import { AppPassport } from './app-passport.js';
import { LoginDto } from './dto/login.dto.js';
import { asBrowserError } from './login-errors.js';
import type { CredentialsRequest, PasswordCredentials } from './local.strategy.js';
import type { LoginProof } from './login.service.js';
import { parseTokenRequest, type TokenRequest } from './token-request.js';

export type LoginRequest = CredentialsRequest & { tokenRequest?: TokenRequest; user?: LoginProof };

/** How a route's body names the credentials: the token endpoint's form, or the browser login's DTO. */
export type CredentialsForm = 'token' | 'browser';

const CREDENTIALS_FORM = 'warden:credentials-form';

/** Marks a password login route for LocalAuthGuard. */
export const PasswordLogin = (form: CredentialsForm) => SetMetadata(CREDENTIALS_FORM, form);

// Guards run before pipes: the browser login's body is checked here, as the global pipe would.
const validation = new ValidationPipe(VALIDATION_OPTIONS);

/**
 * The guard of both password logins. It parses and checks the body (RFC 6749 errors on the
 * token endpoint, the DTO's 400 on the browser login), then runs the local strategy, whose proof
 * becomes `request.user`. Other grants of the token endpoint pass through to the controller.
 */
@Injectable()
export class LocalAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly passport: AppPassport,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<LoginRequest>();
    const form = this.reflector.get<CredentialsForm>(CREDENTIALS_FORM, context.getHandler());
    if (form === 'token') return this.authenticate(request, http.getResponse(), this.fromTokenRequest(request));
    const credentials = await this.fromLoginDto(request);
    // The browser login answers a refusal with 401 or 403, not the token endpoint's 400.
    return this.authenticate(request, http.getResponse(), credentials).catch((error: unknown) => {
      throw asBrowserError(error);
    });
  }

  private async authenticate(
    request: LoginRequest,
    reply: unknown,
    credentials: PasswordCredentials | null,
  ): Promise<boolean> {
    if (!credentials) return true;
    request.credentials = credentials;
    const { err, user } = await this.passport.authenticate<LoginProof>('local', request, reply);
    if (err) throw err as Error;
    if (!user) throw new OAuthError('invalid_request', 'Missing parameter: username or password');
    request.user = user;
    return true;
  }

  private fromTokenRequest(request: LoginRequest): PasswordCredentials | null {
    const tokenRequest = parseTokenRequest(request.body);
    request.tokenRequest = tokenRequest;
    if (tokenRequest.grant_type !== 'password') return null;
    return { login: tokenRequest.username, password: tokenRequest.password };
  }

  private async fromLoginDto(request: LoginRequest): Promise<PasswordCredentials> {
    const dto = (await validation.transform(request.body, { type: 'body', metatype: LoginDto })) as LoginDto;
    return { login: (dto.email ?? dto.username)!, password: dto.password };
  }
}
