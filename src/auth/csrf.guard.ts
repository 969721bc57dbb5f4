import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../common/public.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { bearerToken } from '../common/bearer-token.js';
import { ACCESS_COOKIE, cookieOf, MFA_COOKIE, REFRESH_COOKIE } from './auth-cookies.js';

const CSRF_MODE = 'warden:csrf';
type CsrfMode = 'auth-cookies' | 'login';

/** A public route that authenticates with the auth cookies (/auth/refresh, /auth/logout, /auth/login/mfa). */
export const UsesAuthCookies = () => SetMetadata(CSRF_MODE, 'auth-cookies' satisfies CsrfMode);
/** The browser login: a foreign Origin is refused (login CSRF); a request without one is not a browser's. */
export const SetsAuthCookies = () => SetMetadata(CSRF_MODE, 'login' satisfies CsrfMode);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origin a browser says the request comes from: Origin, else Referer's; null when unusable. */
export function requestOrigin(request: FastifyRequest): string | null | undefined {
  const origin = request.headers.origin;
  const source = typeof origin === 'string' && origin !== '' ? origin : request.headers.referer;
  if (typeof source !== 'string' || source === '') return undefined;
  try {
    const parsed = new URL(source).origin;
    return parsed === 'null' ? null : parsed;
  } catch {
    return null;
  }
}

/** APP_URL's origin and CORS_ORIGINS: the sites whose pages may send cookie-authenticated writes. */
export function allowedOrigins(config: AppConfig): Set<string> {
  return new Set([config.appUrl, ...config.corsOrigins].map((o) => new URL(o).origin));
}

/**
 * CSRF defence for cookie authentication (OWASP "verifying origin with standard
 * headers"): an unsafe request authenticated by the cookies must come from APP_URL or one of
 * CORS_ORIGINS, as its Origin (or Referer) says. A bearer request cannot be forged cross-site
 * (the header needs a CORS preflight), so it is left alone.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  private readonly allowed: Set<string>;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.allowed = allowedOrigins(config);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (SAFE_METHODS.has(request.method) || bearerToken(request)) return true;
    const targets = [context.getHandler(), context.getClass()];
    const mode = this.reflector.getAllAndOverride<CsrfMode | undefined>(CSRF_MODE, targets);
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets);
    const origin = requestOrigin(request);

    if (mode === 'login') {
      if (origin === undefined) return true;
    } else if (mode === 'auth-cookies') {
      if (![ACCESS_COOKIE, REFRESH_COOKIE, MFA_COOKIE].some((name) => cookieOf(request, name))) return true;
    } else if (isPublic || !cookieOf(request, ACCESS_COOKIE)) {
      return true;
    }
    if (origin && this.allowed.has(origin)) return true;
    throw new ForbiddenException(
      origin === undefined
        ? 'Cookie-authenticated requests must carry an Origin or Referer header'
        : 'Cross-site request refused: origin not allowed',
    );
  }
}
