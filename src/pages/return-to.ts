/** What safeReturnTo needs of the clients: ClientsService (src/clients/clients.service.ts). */
export interface RedirectUriRegistry {
  isRegisteredRedirectUri(uri: string): Promise<boolean>;
}

const MAX_LENGTH = 2048;
/** A relative URL a browser could read as another host: `//x`, `/\x`, `\\x` (WHATWG URL treats `\` as `/`). */
const HOST_RELATIVE = /^[/\\][/\\]/;

function decodedOnce(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/**
 * The `return_to` a page may send the browser to after it is done, or null (the caller then uses
 * its default): a path of Warden's own (`/account`, `/oauth/authorize?…`; never `//host`, `/\host`,
 * a scheme, a control character, or any of these percent-encoded), or exactly a redirect URI
 * registered for a client. Everything else, including `javascript:` and `data:`, is refused.
 */
export async function safeReturnTo(value: unknown, clients: RedirectUriRegistry): Promise<string | null> {
  if (typeof value !== 'string' || value === '' || value.length > MAX_LENGTH) return null;
  // Whitespace and control characters are stripped or mangled by browsers before parsing: refuse them.
  if (/[\s\u0000-\u001f\u007f\\]/.test(value)) return null;
  if (value.startsWith('/')) {
    const decoded = decodedOnce(value);
    if (decoded === null || HOST_RELATIVE.test(value) || HOST_RELATIVE.test(decoded) || /[\\\s]/.test(decoded)) {
      return null;
    }
    const parsed = new URL(value, 'http://warden.invalid');
    if (parsed.origin !== 'http://warden.invalid') return null;
    return `${parsed.pathname}${parsed.search}${parsed.hash}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return null;
  }
  if (['javascript:', 'data:', 'vbscript:', 'file:', 'blob:'].includes(parsed.protocol)) return null;
  return (await clients.isRegisteredRedirectUri(value)) ? value : null;
}
