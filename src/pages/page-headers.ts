import { securityHeaders } from '../common/http-hardening.js';
import type { AppConfig } from '../config/app-config.js';

/**
 * The CSP of the hosted pages: scripts and styles only from files of this origin (no inline
 * script or style, no eval), images from here or data: URLs (Pico's form icons, the QR code of
 * /account), nothing may frame a page. `form-action` is left out on purpose: browsers apply it
 * to every redirect after a form is sent, and the redirect chain of a sign-in ends at the
 * client's registered redirect URI, another origin.
 */
export const PAGE_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
};

/** helmet's headers for a page (computed once), plus no-store: a page carries a CSRF token and account data. */
export function pageHeaders(config: AppConfig): Record<string, string> {
  return {
    ...securityHeaders({
      contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP },
      strictTransportSecurity: config.appUrl.startsWith('https:')
        ? { maxAge: 31_536_000, includeSubDomains: true }
        : false,
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'same-origin' },
    }),
    'cache-control': 'no-store',
    pragma: 'no-cache',
  };
}
