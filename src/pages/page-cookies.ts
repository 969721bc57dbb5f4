import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieOf, MFA_COOKIE } from '../auth/auth-cookies.js';
import type { AppConfig } from '../config/app-config.js';

/**
 * The pending second step of a sign-in on the pages. The API's mfa_token cookie is sent only to
 * /auth (where the passkey button of /mfa posts it); the /mfa form needs the same token, so the
 * login page sets a second copy for /mfa. Either use consumes the token (single use in the database).
 */
const PAGE_MFA_PATH = '/mfa';

function attributes(config: AppConfig): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'strict', path: PAGE_MFA_PATH, secure: config.cookieSecure };
}

export function setPageMfaCookie(reply: FastifyReply, config: AppConfig, mfaToken: string): void {
  reply.setCookie(MFA_COOKIE, mfaToken, { ...attributes(config), maxAge: config.mfaTokenTtl });
}

export function clearPageMfaCookie(reply: FastifyReply, config: AppConfig): void {
  reply.clearCookie(MFA_COOKIE, attributes(config));
}

export function pageMfaToken(request: FastifyRequest): string | undefined {
  return cookieOf(request, MFA_COOKIE);
}

/** A form field as one string (a repeated field arrives as an array: not accepted). */
export function formField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}
