import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';

/**
 * The Warden browser session cookie (docs/hosted-pages.md, "The browser session"): the session's
 * id and its user's, signed. It is what tells a hosted page (or /oauth/authorize) that the browser
 * is signed in after the 15-minute access cookie is gone: the refresh cookie cannot, since it is
 * only sent to /auth and never on a navigation from another site. The cookie proves nothing by
 * itself: every read checks that the session is still live (revocation reaches every instance).
 */
export const BROWSER_SESSION_COOKIE = 'warden_session';

const VERSION = 'v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const keys = new WeakMap<AppConfig, Buffer>();

/**
 * HKDF-SHA256 of the JWT signing secret or private key (its own `info`), so every instance of one
 * deployment derives the same key; rotating the JWT key signs every browser out of the pages.
 */
export function pageKey(config: AppConfig, info: string): Buffer {
  const material = config.jwt.secret ?? config.jwt.privateKeyPem;
  if (!material) throw new Error('No JWT secret or private key to derive the page keys from');
  return Buffer.from(hkdfSync('sha256', material, 'warden', info, 32));
}

function key(config: AppConfig): Buffer {
  let found = keys.get(config);
  if (!found) {
    found = pageKey(config, 'warden/browser-session-cookie/v1');
    keys.set(config, found);
  }
  return found;
}

function mac(config: AppConfig, payload: string): Buffer {
  return createHmac('sha256', key(config)).update(payload).digest();
}

export function browserSessionValue(config: AppConfig, sessionId: string, userId: string): string {
  const payload = `${VERSION}.${sessionId}.${userId}`;
  return `${payload}.${mac(config, payload).toString('base64url')}`;
}

/** The ids a well-signed cookie names, or null; whether that session is still live is the caller's check. */
export function readBrowserSessionValue(
  config: AppConfig,
  value: string | undefined,
): { sessionId: string; userId: string } | null {
  if (!value || value.length > 200) return null;
  const parts = value.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION || !UUID.test(parts[1]) || !UUID.test(parts[2])) return null;
  const given = Buffer.from(parts[3], 'base64url');
  const expected = mac(config, parts.slice(0, 3).join('.'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return { sessionId: parts[1], userId: parts[2] };
}
