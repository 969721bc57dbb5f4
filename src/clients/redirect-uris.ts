/**
 * Redirect URI rules (RFC 9700 2.1, RFC 8252): absolute, no fragment, no user info; `https`
 * anywhere, `http` only on a loopback host, or a private-use scheme of a native app (a
 * reverse domain name such as `com.example.app:/cb`, RFC 8252 7.1). Compared exactly, except
 * that a loopback redirect may use any port (RFC 8252 7.3).
 */

export const MAX_REDIRECT_URI_LENGTH = 2000;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** A scheme with a dot: a reverse domain name, which the app's owner controls. */
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/;
// Whitespace, controls and characters a browser would rewrite make "exact" ambiguous.
const UNSAFE_CHARACTERS = /[\s\u0000-\u001f\u007f\\<>"{}|^`]/;

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

function parse(uri: string): URL | null {
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

/** Why `uri` cannot be registered as a redirect URI, or null when it can. */
export function validateRedirectUri(uri: string): string | null {
  if (typeof uri !== 'string' || uri.length === 0) return 'must be a non-empty string';
  if (uri.length > MAX_REDIRECT_URI_LENGTH) return `must be at most ${MAX_REDIRECT_URI_LENGTH} characters`;
  if (UNSAFE_CHARACTERS.test(uri)) return 'must not contain spaces, control characters or unescaped <>"{}|\\^`';
  if (uri.includes('#')) return 'must not contain a fragment';
  const url = parse(uri);
  if (!url) return 'must be an absolute URI';
  if (url.username || url.password) return 'must not contain user information';
  if (url.protocol === 'https:') {
    return url.hostname ? null : 'must name a host';
  }
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname)
      ? null
      : 'may use http only on a loopback host (127.0.0.1, [::1], localhost); use https';
  }
  if (PRIVATE_USE_SCHEME.test(url.protocol)) return null;
  return 'must use https, http on a loopback host, or a private-use scheme such as com.example.app:/callback';
}

/** `http://<loopback>/<path>?<query>` of a loopback redirect in normal form, without its port. */
function loopbackKey(uri: string): string | null {
  const url = parse(uri);
  if (!url || url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) return null;
  // Only a URI already in normal form: "/a/../cb" must not match "/cb".
  if (url.href !== uri || url.username || url.password || url.hash) return null;
  return `http://${url.hostname}${url.pathname}${url.search}`;
}

/** Whether `candidate` is one of the `registered` redirect URIs (exact, loopback: any port). */
export function redirectUriMatches(registered: readonly string[], candidate: string): boolean {
  if (typeof candidate !== 'string' || candidate.length === 0) return false;
  if (registered.includes(candidate)) return true;
  const key = loopbackKey(candidate);
  return key !== null && registered.some((uri) => loopbackKey(uri) === key);
}
