import type { HttpResult } from './http.js';
import { PageBrowser } from './pages.js';

/** Signs the browser in on /login (the hosted sign-in form); throws unless it answers 303. */
export async function signInOnPage(browser: PageBrowser, username: string, password: string): Promise<void> {
  const res = await browser.submit('/login', '/login', { username, password });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status} ${res.text.slice(0, 300)}`);
}

/** Opens /account (for a fresh CSRF token) and posts one of its forms. */
export function accountPost(browser: PageBrowser, action: string, fields: Record<string, string> = {}) {
  return browser.submit('/account', action, fields);
}

export const locationOf = (res: HttpResult) => res.headers.get('location');

/** The text of a page without its tags, whitespace collapsed, for "the page says …" assertions. */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
