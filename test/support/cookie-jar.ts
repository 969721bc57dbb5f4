/**
 * A browser without a browser: fetch with a cookie jar (name → value per host; Path honoured
 * only as "/auth" vs "/"), no automatic redirects, so that a test sees every 302/303 and its
 * Location. Enough for Warden's own cookies and the hosted pages' forms.
 */
export interface JarResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The Location header resolved against the request URL; null when there is none. */
  location: string | null;
}

interface StoredCookie {
  value: string;
  path: string;
}

export class CookieJar {
  private readonly cookies = new Map<string, Map<string, StoredCookie>>();

  /**
   * `rewrite` maps the origin the server calls itself (APP_URL, the issuer) to the address the
   * test server really listens on.
   */
  constructor(
    private readonly rewrite: Record<string, string> = {},
    readonly userAgent = 'warden-test-browser',
  ) {}

  /** The URL as it is really fetched. */
  resolve(url: string): URL {
    const target = new URL(url);
    const base = this.rewrite[target.origin];
    return base ? new URL(target.pathname + target.search, base) : target;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<JarResponse> {
    return this.send(url, { method: 'GET', headers });
  }

  /** A form POST as a browser sends it from a page of `origin` (Origin header set; null: none). */
  async postForm(
    url: string,
    form: Record<string, string>,
    origin: string | null = new URL(url).origin,
  ): Promise<JarResponse> {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** Follows redirects while they stay on `until`'s negation; returns the last response. */
  async follow(first: JarResponse, stopAt: (url: string) => boolean, max = 10): Promise<JarResponse> {
    let res = first;
    for (let i = 0; i < max && res.location && !stopAt(res.location); i++) res = await this.get(res.location);
    return res;
  }

  cookie(host: string, name: string): string | undefined {
    return this.cookies.get(host)?.get(name)?.value;
  }

  clear(): void {
    this.cookies.clear();
  }

  private async send(url: string, init: { method: string; headers: Record<string, string>; body?: string }) {
    const target = this.resolve(url);
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...init.headers };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    const response = await fetch(target, { method: init.method, headers, body: init.body, redirect: 'manual' });
    this.store(target, response.headers.getSetCookie());
    const location = response.headers.get('location');
    return {
      status: response.status,
      headers: response.headers,
      text: await response.text(),
      location: location === null ? null : new URL(location, target).toString(),
    };
  }

  private cookieHeader(url: URL): string {
    const jar = this.cookies.get(url.host);
    if (!jar) return '';
    return [...jar.entries()]
      .filter(
        ([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
      )
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, setCookies: string[]): void {
    let jar = this.cookies.get(url.host);
    if (!jar) this.cookies.set(url.host, (jar = new Map()));
    for (const raw of setCookies) {
      const [pair, ...attrs] = raw.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired =
        value === '' ||
        attrs.some((a) => a.toLowerCase() === 'max-age=0') ||
        attrs.some((a) => a.toLowerCase().startsWith('expires=') && new Date(a.slice(8)).getTime() < Date.now());
      if (expired) jar.delete(name);
      else jar.set(name, { value, path });
    }
  }
}

/** The value of a hidden input of a page's form. */
export function hiddenField(html: string, name: string): string {
  const match =
    new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html) ??
    new RegExp(`<input[^>]*value="([^"]*)"[^>]*name="${name}"`).exec(html);
  if (!match) throw new Error(`no hidden field ${name} in the page`);
  return match[1]
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}
