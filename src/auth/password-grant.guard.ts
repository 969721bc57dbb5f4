import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../common/oauth-error.js';
import { LocalStrategy } from './local.strategy.js';
import { runStrategy } from './run-strategy.js';
import { parseTokenRequest, type TokenRequest } from './token-request.js';

export type TokenEndpointRequest = FastifyRequest & { tokenRequest: TokenRequest; user?: unknown };

/**
 * Validates the token request (RFC 6749 errors), then runs the passport-local strategy for the
 * password grant; other grants pass through to the controller.
 */
@Injectable()
export class PasswordGrantGuard implements CanActivate {
  constructor(private readonly strategy: LocalStrategy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<TokenEndpointRequest>();
    request.tokenRequest = parseTokenRequest(request.body);
    if (request.tokenRequest.grant_type !== 'password') return true;
    const { err, user } = await runStrategy(this.strategy, request, http.getResponse());
    if (err) throw err as Error;
    if (!user) throw new OAuthError('invalid_request', 'Missing parameter: username or password');
    request.user = user;
    return true;
  }
}
