import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { BROWSER_SESSION_COOKIE, browserSessionValue } from './browser-session-cookie.js';

export const ACCESS_COOKIE = 'access_token';
export const REFRESH_COOKIE = 'refresh_token';
/** The pending second step of a cookie login (its mfa_token): only /auth/login/mfa needs it. */
export const MFA_COOKIE = 'mfa_token';

/**
 * docs/sessions.md. The refresh cookie is only sent to /auth (it is needed by /auth/refresh and
 * /auth/logout alone) and never on cross-site requests (SameSite=Strict); the access cookie is
 * Lax so that a top-level navigation from another site still arrives signed in.
 */
function attributes(config: AppConfig, name: string): CookieSerializeOptions {
  return name === ACCESS_COOKIE || name === BROWSER_SESSION_COOKIE
    ? { httpOnly: true, sameSite: 'lax', path: '/', secure: config.cookieSecure }
    : { httpOnly: true, sameSite: 'strict', path: '/auth', secure: config.cookieSecure };
}

export function setAuthCookies(
  reply: FastifyReply,
  config: AppConfig,
  tokens: {
    accessToken: string;
    expiresIn: number;
    refreshToken: string;
    sessionExpiresAt: Date;
    /** The session the tokens belong to: the browser session cookie names it (browser-session-cookie.ts). */
    sessionId: string;
    userId: string;
  },
): void {
  const refreshMaxAge = Math.max(0, Math.floor((tokens.sessionExpiresAt.getTime() - Date.now()) / 1000));
  reply.setCookie(ACCESS_COOKIE, tokens.accessToken, {
    ...attributes(config, ACCESS_COOKIE),
    maxAge: tokens.expiresIn,
  });
  reply.setCookie(REFRESH_COOKIE, tokens.refreshToken, {
    ...attributes(config, REFRESH_COOKIE),
    maxAge: refreshMaxAge,
  });
  // Lives as long as the session: the hosted pages know the browser is signed in until it ends.
  reply.setCookie(BROWSER_SESSION_COOKIE, browserSessionValue(config, tokens.sessionId, tokens.userId), {
    ...attributes(config, BROWSER_SESSION_COOKIE),
    maxAge: refreshMaxAge,
  });
}

export function clearAuthCookies(reply: FastifyReply, config: AppConfig): void {
  reply.clearCookie(ACCESS_COOKIE, attributes(config, ACCESS_COOKIE));
  reply.clearCookie(REFRESH_COOKIE, attributes(config, REFRESH_COOKIE));
  reply.clearCookie(BROWSER_SESSION_COOKIE, attributes(config, BROWSER_SESSION_COOKIE));
}

export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const value = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[name];
  return value === '' ? undefined : value;
}

function mfaAttributes(config: AppConfig): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'strict', path: '/auth', secure: config.cookieSecure };
}

export function setMfaCookie(reply: FastifyReply, config: AppConfig, mfaToken: string): void {
  reply.setCookie(MFA_COOKIE, mfaToken, { ...mfaAttributes(config), maxAge: config.mfaTokenTtl });
}

export function clearMfaCookie(reply: FastifyReply, config: AppConfig): void {
  reply.clearCookie(MFA_COOKIE, mfaAttributes(config));
}
