import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieOf } from '../auth/auth-cookies.js';

const FLASH_COOKIE = 'account_flash';

/**
 * What a successful POST says once the browser has followed its 303. The cookie holds only one
 * of these keys, so nothing a user typed (or an attacker chose) is ever rendered from it.
 */
export const FLASH_MESSAGES = {
  profile_saved: 'Your profile was saved.',
  email_code_sent: 'We sent a code to the new address. Enter it below to finish the change.',
  email_changed: 'Your email address was changed.',
  password_changed: 'Your password was changed. Your other sessions were signed out.',
  session_revoked: 'The session was signed out.',
  sessions_revoked: 'All your other sessions were signed out.',
  factor_added: 'The authenticator app was added.',
  mfa_disabled: 'Two-factor authentication is off.',
  factor_removed: 'The authenticator app was removed.',
  passkey_renamed: 'The passkey was renamed.',
  passkey_removed: 'The passkey was removed.',
  provider_linked: 'The provider was linked: you can sign in with it now.',
  provider_unlinked: 'The provider was unlinked.',
  provider_link_failed:
    'The provider could not be linked: that account there is linked to another account here, or the sign-in there failed.',
} as const;

export type FlashKey = keyof typeof FLASH_MESSAGES;

export function setFlash(reply: FastifyReply, key: FlashKey, secure: boolean): void {
  reply.setCookie(FLASH_COOKIE, key, { path: '/account', httpOnly: true, sameSite: 'lax', secure, maxAge: 60 });
}

/** The message of the pending flash (cleared as it is read), or null. */
export function takeFlash(request: FastifyRequest, reply: FastifyReply, secure: boolean): string | null {
  const key = cookieOf(request, FLASH_COOKIE);
  if (key === undefined) return null;
  reply.clearCookie(FLASH_COOKIE, { path: '/account', httpOnly: true, sameSite: 'lax', secure });
  return Object.hasOwn(FLASH_MESSAGES, key) ? FLASH_MESSAGES[key as FlashKey] : null;
}
