import { type HttpResult } from './http.js';

/** APP_URL of the test apps: the only origin the pages' forms accept. */
export const PAGE_ORIGIN = 'http://localhost:3000';

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

/**
 * A browser over plain HTTP for the hosted pages: a cookie jar that keeps each cookie's Path
 * (the pages use /, /auth and /mfa), manual redirects, and the page's CSRF token.
 */
export class PageBrowser {
  readonly cookies: StoredCookie[] = [];
  /** The _csrf value of the last page fetched. */
  csrf = '';

  constructor(private readonly base: string) {}

  cookie(name: string, path = '/'): string | undefined {
    return this.cookies.find((c) => c.name === name && c.path === path)?.value;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<HttpResult<string>> {
    return this.send('GET', path, undefined, headers);
  }

  /** A form POST as a browser sends it: form-encoded, Origin = APP_URL unless overridden. */
  async post(
    path: string,
    fields: Record<string, string>,
    options: { origin?: string | null; csrf?: string | null } = {},
  ): Promise<HttpResult<string>> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const origin = options.origin === undefined ? PAGE_ORIGIN : options.origin;
    if (origin !== null) headers.origin = origin;
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    const body = new URLSearchParams(csrf === null ? fields : { _csrf: csrf, ...fields }).toString();
    return this.send('POST', path, body, headers);
  }

  /** GET `path` and then POST its form (fresh CSRF token). */
  async submit(pagePath: string, action: string, fields: Record<string, string>): Promise<HttpResult<string>> {
    const page = await this.get(pagePath);
    if (page.status !== 200) throw new Error(`GET ${pagePath}: ${page.status}`);
    return this.post(action, fields);
  }

  private async send(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<HttpResult<string>> {
    const pathname = new URL(path, this.base).pathname;
    const cookie = this.cookies
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    const response = await fetch(this.base + path, {
      method,
      body,
      redirect: 'manual',
      headers: { ...headers, ...(cookie ? { cookie } : {}) },
    });
    this.store(response.headers.getSetCookie());
    const text = await response.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(text);
    if (csrf) this.csrf = csrf[1];
    return { status: response.status, headers: response.headers, body: text, text };
  }

  private store(setCookies: string[]): void {
    for (const raw of setCookies) {
      const [pair, ...attributes] = raw.split(';').map((p) => p.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const gone = value === '' || attributes.some((a) => a.toLowerCase() === 'max-age=0');
      const index = this.cookies.findIndex((c) => c.name === name && c.path === path);
      if (index !== -1) this.cookies.splice(index, 1);
      if (!gone) this.cookies.push({ name, value, path });
    }
  }
}

/** The text of the page's alert (error or notice), tags stripped. */
export function alertOf(html: string): string | undefined {
  const match =
    /<(?:p|div) class="alert alert-(?:error|notice)" role="(?:alert|status)"(?: id="form-error")?>([\s\S]*?)<\/(?:p|div)>/.exec(
      html,
    );
  return match?.[1]
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The value of a form field of the page. */
export function fieldValue(html: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html);
  return match?.[1];
}
