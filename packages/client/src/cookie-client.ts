import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './openapi.js';

export type User = components['schemas']['UserDto'];
export type ErrorResponse = components['schemas']['ErrorResponseDto'];

export interface WardenCookieClientOptions {
  /** Warden's base URL, e.g. `https://auth.example.com`. The page's origin must be in Warden's CORS_ORIGINS. */
  baseUrl: string;
  fetch?: (request: Request) => Promise<Response>;
}

export type CookieLoginResult =
  { user: User; expiresIn: number; error?: undefined } | { user?: undefined; error: ErrorResponse; status: number };

export interface WardenCookieClient {
  /** The typed client (openapi-fetch): every route of Warden, authenticated by the session cookies. */
  api: Client<paths>;
  /** Cookie login (`POST /auth/login`): Warden sets the HttpOnly cookies. 401 wrong credentials, 403, 429. */
  login(emailOrUsername: string, password: string): Promise<CookieLoginResult>;
  /** Rotates the refresh cookie now; concurrent callers share one request. `false`: the session is over. */
  refresh(): Promise<boolean>;
  /** Revokes the session on Warden and clears the cookies (also when the access cookie has expired); throws on a 403. */
  logout(): Promise<void>;
}

/** The routes that sign in or out: a 401 there is an answer, not an expired session. */
const SESSION_ROUTES = new Set(['/auth/login', '/auth/refresh', '/auth/logout']);

/**
 * Cookie mode, for browser apps on Warden's cookie login: the tokens stay in HttpOnly cookies that
 * JavaScript never sees; every request is sent with `credentials: 'include'` and the browser adds
 * the Origin header that Warden's CSRF check reads. A 401 triggers one `POST /auth/refresh`
 * (shared by every request that fails meanwhile) and one retry; a refresh that fails (Warden then
 * clears the cookies) returns the 401 as it came: show the sign-in form.
 */
export function createWardenCookieClient(options: WardenCookieClientOptions): WardenCookieClient {
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/$/, '');
  const sessionClient = createClient<paths>({ baseUrl: options.baseUrl, fetch: send, credentials: 'include' });
  let inFlight: Promise<boolean> | null = null;
  /** Counts finished refreshes: a request sent before the latest one need not cause another. */
  let generation = 0;
  let lastRefreshOk = true;

  const refresh = (): Promise<boolean> => {
    inFlight ??= (async () => {
      const { response } = await sessionClient.POST('/auth/refresh', { parseAs: 'text' });
      generation++;
      lastRefreshOk = response.ok;
      return response.ok;
    })().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  const isSessionRoute = (request: Request) => {
    const url = new URL(request.url);
    return url.origin === base.origin && SESSION_ROUTES.has(url.pathname.slice(basePath.length));
  };

  const withRefresh = async (request: Request): Promise<Response> => {
    const retry = request.clone();
    const sentAt = generation;
    const response = await send(request);
    if (response.status !== 401 || isSessionRoute(request)) return response;
    // Refreshed since this request left (cookies already new): retry without another refresh.
    const renewed = inFlight ? await inFlight : sentAt !== generation ? lastRefreshOk : await refresh();
    if (!renewed) return response;
    await response.body?.cancel();
    return send(retry);
  };

  return {
    api: createClient<paths>({ baseUrl: options.baseUrl, fetch: withRefresh, credentials: 'include' }),
    refresh,
    async login(emailOrUsername, password) {
      const identifier = emailOrUsername.includes('@') ? { email: emailOrUsername } : { username: emailOrUsername };
      const { data, error, response } = await sessionClient.POST('/auth/login', {
        body: { ...identifier, password },
      });
      if (!data) return { error, status: response.status };
      // 202: Warden asks for a second factor, a step this client does not offer yet.
      if (response.status !== 200) throw new Error(`Warden's login answered ${response.status}: not supported here`);
      return { user: data.user, expiresIn: data.expires_in };
    },
    async logout() {
      // The refresh cookie (Path=/auth) authenticates the logout when the access cookie has expired.
      const { response } = await sessionClient.POST('/auth/logout', { parseAs: 'text' });
      // 401: no session left to end. Anything else (403: this origin is not in CORS_ORIGINS) is a setup error.
      if (!response.ok && response.status !== 401) {
        throw new Error(`Warden refused the logout: ${response.status}`);
      }
    },
  };
}
