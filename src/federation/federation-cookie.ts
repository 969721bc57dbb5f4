import type { CookieSerializeOptions } from '@fastify/cookie';
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieOf } from '../auth/auth-cookies.js';
import type { AppConfig } from '../config/app-config.js';
import { FEDERATION_STATE_TTL_SECONDS } from './federation-states.service.js';

/**
 * Binds a provider flow to the browser that started it: a random value in an HttpOnly cookie
 * sent only to /auth/providers; the flow's row keeps its hash. SameSite=Lax, since the callback
 * is a top-level navigation from the provider's site. Flows started at once in two tabs share it.
 */
export const FEDERATION_COOKIE = 'warden_federation';

function attributes(config: AppConfig): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'lax', path: '/auth/providers', secure: config.cookieSecure };
}

/** The browser's binding value: its current one, else a new one set on the reply. */
export function bindBrowser(request: FastifyRequest, reply: FastifyReply, config: AppConfig): string {
  const current = cookieOf(request, FEDERATION_COOKIE);
  const binding = current && /^[A-Za-z0-9_-]{43}$/.test(current) ? current : randomBytes(32).toString('base64url');
  reply.setCookie(FEDERATION_COOKIE, binding, { ...attributes(config), maxAge: FEDERATION_STATE_TTL_SECONDS });
  return binding;
}

export function browserBinding(request: FastifyRequest): string | undefined {
  return cookieOf(request, FEDERATION_COOKIE);
}

export function clearBinding(reply: FastifyReply, config: AppConfig): void {
  reply.clearCookie(FEDERATION_COOKIE, attributes(config));
}
