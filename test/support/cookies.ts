import type { HttpResult } from './http.js';

export interface SetCookie {
  name: string;
  value: string;
  /** The raw Set-Cookie string, for asserting attributes exactly. */
  raw: string;
  attributes: Record<string, string | true>;
}

/** Parses every Set-Cookie header of a response, by cookie name. */
export function setCookies(res: HttpResult): Record<string, SetCookie> {
  const out: Record<string, SetCookie> = {};
  for (const raw of res.headers.getSetCookie()) {
    const [pair, ...attrs] = raw.split(';').map((p) => p.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const attributes: Record<string, string | true> = {};
    for (const attr of attrs) {
      const i = attr.indexOf('=');
      if (i === -1) attributes[attr.toLowerCase()] = true;
      else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1);
    }
    out[name] = { name, value: decodeURIComponent(pair.slice(eq + 1)), raw, attributes };
  }
  return out;
}

/** A Cookie request header from name/value pairs. */
export function cookieHeader(cookies: Record<string, string>): string {
  return Object.entries(cookies)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('; ');
}
