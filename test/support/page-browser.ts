/** The origin of the test apps' APP_URL: what a browser's Origin header says for the hosted pages. */
export const PAGE_ORIGIN = 'http://localhost:3000';

export interface PageResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The Location of a redirect, or null. */
  location: string | null;
}

export interface PageRequestOptions {
  form?: Record<string, string>;
  json?: unknown;
  /** The Origin header to send; null sends none (and no Referer). Default: PAGE_ORIGIN for POST. */
  origin?: string | null;
  headers?: Record<string, string>;
  /** Leave the cookie jar out of this request. */
  noCookies?: boolean;
}

/**
 * A browser over plain HTTP for the hosted pages: a cookie jar (Set-Cookie honoured, Max-Age=0
 * clears), redirects not followed (the tests assert them), the Origin header a browser sends.
 */
export class PageBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  get(path: string, options: PageRequestOptions = {}): Promise<PageResponse> {
    return this.request('GET', path, options);
  }

  post(path: string, options: PageRequestOptions = {}): Promise<PageResponse> {
    return this.request('POST', path, options);
  }

  async request(method: string, path: string, options: PageRequestOptions = {}): Promise<PageResponse> {
    const headers: Record<string, string> = { ...options.headers };
    const origin = options.origin === undefined ? (method === 'GET' ? null : PAGE_ORIGIN) : options.origin;
    if (origin) headers.origin = origin;
    if (!options.noCookies && this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const response = await fetch(this.base + path, { method, headers, body, redirect: 'manual' });
    if (!options.noCookies) this.store(response.headers.getSetCookie());
    return {
      status: response.status,
      headers: response.headers,
      text: await response.text(),
      location: response.headers.get('location'),
    };
  }

  /** Signs in with the cookie login (POST /auth/login), as a browser does. */
  async signIn(email: string, password: string): Promise<void> {
    const res = await this.post('/auth/login', { json: { email, password } });
    if (res.status !== 200) throw new Error(`cookie login failed: ${res.status} ${res.text}`);
  }

  /** GET a page, expecting 200; answers its HTML and the CSRF token of its forms. */
  async open(path: string): Promise<{ html: string; csrf: string }> {
    const res = await this.get(path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.location ?? res.text.slice(0, 200)}`);
    return { html: res.text, csrf: csrfOf(res.text) };
  }

  /** Opens /account for a fresh CSRF token, then posts the form with it. */
  async submit(action: string, fields: Record<string, string> = {}, options: PageRequestOptions = {}): Promise<PageResponse> {
    const { csrf } = await this.open('/account');
    return this.post(action, { ...options, form: { _csrf: csrf, ...fields } });
  }

  private store(setCookies: string[]): void {
    for (const raw of setCookies) {
      const [pair, ...attributes] = raw.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** The `_csrf` value of the first form of a page. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in the page');
  return match[1];
}

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
