import { type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../common/oauth-error.js';
import { parseTokenRequest, type TokenRequest } from './token-request.js';

export type TokenEndpointRequest = FastifyRequest & { tokenRequest: TokenRequest; user?: unknown };

/**
 * Validates the token request (RFC 6749 errors), then runs the passport-local strategy for the
 * password grant; other grants pass through to the controller.
 */
@Injectable()
export class PasswordGrantGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<TokenEndpointRequest>();
    request.tokenRequest = parseTokenRequest(request.body);
    if (request.tokenRequest.grant_type !== 'password') return true;
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<T>(err: unknown, user: T): T {
    if (err) throw err as Error;
    if (!user) throw new OAuthError('invalid_request', 'Missing parameter: username or password');
    return user;
  }
}
