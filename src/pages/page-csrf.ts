import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { cookieOf } from '../auth/auth-cookies.js';
import { pageKey } from '../auth/browser-session-cookie.js';
import { allowedOrigins, requestOrigin } from '../auth/csrf.guard.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

export const CSRF_COOKIE = 'warden_csrf';
export const CSRF_FIELD = '_csrf';
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export const CSRF_REFUSED = 'This form expired or was sent from another site. Reload the page and try again.';

/**
 * CSRF protection of the page forms, two checks (OWASP): the request's Origin (or Referer) must be
 * APP_URL or one of CORS_ORIGINS — required here, a form a browser sends always carries one — and
 * the `_csrf` field must be the HMAC of the random secret in the `warden_csrf` cookie (a signed
 * double-submit token: a site that can set cookies for our domain still cannot forge the pair).
 */
@Injectable()
export class PageCsrf {
  private readonly key: Buffer;
  private readonly allowed: Set<string>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.key = pageKey(config, 'warden/page-csrf/v1');
    this.allowed = allowedOrigins(config);
  }

  /** The token of the hidden `_csrf` field; sets the cookie when the browser has none yet. */
  token(request: FastifyRequest, reply: FastifyReply): string {
    let secret = cookieOf(request, CSRF_COOKIE);
    if (!secret || !SECRET.test(secret)) {
      secret = randomBytes(32).toString('base64url');
      reply.setCookie(CSRF_COOKIE, secret, {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        secure: this.config.cookieSecure,
      });
      // The same request may render a second form: it must see the new secret.
      (request as FastifyRequest & { cookies: Record<string, string | undefined> }).cookies[CSRF_COOKIE] = secret;
    }
    return this.sign(secret);
  }

  /** Throws 403 unless the Origin is ours and the body's `_csrf` matches the cookie. */
  check(request: FastifyRequest, body: unknown): void {
    const origin = requestOrigin(request);
    if (!origin || !this.allowed.has(origin)) throw new ForbiddenException(CSRF_REFUSED);
    const secret = cookieOf(request, CSRF_COOKIE);
    const given = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[CSRF_FIELD] : undefined;
    if (!secret || !SECRET.test(secret) || typeof given !== 'string') throw new ForbiddenException(CSRF_REFUSED);
    const expected = Buffer.from(this.sign(secret));
    const actual = Buffer.from(given);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new ForbiddenException(CSRF_REFUSED);
    }
  }

  private sign(secret: string): string {
    return createHmac('sha256', this.key).update(`csrf:${secret}`).digest('base64url');
  }
}
