/**
 * What a browser does for one site, for Node's fetch (which keeps no cookies): stores Set-Cookie
 * (Max-Age, Path, Secure), sends the matching cookies when a request has `credentials: 'include'`
 * and adds the page's Origin, as a browser does on a cross-origin request.
 */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string; secure: boolean; expiresAt: number }>();

  constructor(private readonly pageOrigin: string) {}

  /** The value a cookie has now (an expired one is gone, as in a browser). */
  get(name: string): string | undefined {
    const cookie = this.cookies.get(name);
    return cookie && cookie.expiresAt > Date.now() ? cookie.value : undefined;
  }

  names(): string[] {
    return [...this.cookies.keys()].filter((name) => this.get(name) !== undefined).sort();
  }

  /** Sets a cookie as if Warden had: to stand for one a browser still holds. */
  set(name: string, value: string, path = '/'): void {
    this.cookies.set(name, { value, path, secure: false, expiresAt: Date.now() + 3_600_000 });
  }

  delete(name: string): void {
    this.cookies.delete(name);
  }

  fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.set('origin', this.pageOrigin);
    if (request.credentials === 'include') {
      const sent = [...this.cookies.entries()]
        .filter(([name, c]) => this.get(name) !== undefined && pathMatches(url.pathname, c.path))
        .filter(([, c]) => !c.secure || url.protocol === 'https:')
        .map(([name, c]) => `${name}=${c.value}`);
      if (sent.length > 0) headers.set('cookie', sent.join('; '));
    }
    const response = await fetch(new Request(request, { headers }));
    if (request.credentials === 'include') this.store(response);
    return response;
  };

  private store(response: Response): void {
    for (const raw of response.headers.getSetCookie()) {
      const [pair, ...attrs] = raw.split(';').map((p) => p.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const attributes = new Map(
        attrs.map((a) => {
          const i = a.indexOf('=');
          return i === -1 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
        }),
      );
      const maxAge = attributes.get('max-age');
      const expires = attributes.get('expires');
      const expiresAt =
        maxAge !== undefined
          ? Date.now() + Number(maxAge) * 1000
          : expires !== undefined
            ? Date.parse(expires)
            : Number.POSITIVE_INFINITY;
      if (expiresAt <= Date.now()) {
        this.cookies.delete(name);
        continue;
      }
      this.cookies.set(name, {
        value: pair.slice(eq + 1),
        path: attributes.get('path') || '/',
        secure: attributes.has('secure'),
        expiresAt,
      });
    }
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return (
    requestPath === cookiePath ||
    (requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'))
  );
}
