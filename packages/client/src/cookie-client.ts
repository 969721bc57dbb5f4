import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './openapi.js';
import {
  BROWSER_CEREMONIES,
  type PasskeyCeremonies,
  passkeyAssertion,
  passkeyBody,
  type PasskeyRegistrationResult,
  registerPasskeyWith,
} from './passkeys.js';
import {
  codeBody,
  messageOf,
  type MfaRequired,
  PendingSecondStep,
  retryAfterOf,
  type SecondFactor,
  type SecondFactorError,
  stepUpChallenge,
} from './second-factor.js';

export type User = components['schemas']['UserDto'];
export type ErrorResponse = components['schemas']['ErrorResponseDto'];

export interface WardenCookieClientOptions {
  /** Warden's base URL, e.g. `https://auth.example.com`. The page's origin must be in Warden's CORS_ORIGINS. */
  baseUrl: string;
  fetch?: (request: Request) => Promise<Response>;
  /** The WebAuthn ceremonies (default: `@simplewebauthn/browser`'s startRegistration / startAuthentication). */
  webauthn?: PasskeyCeremonies;
}

export type CookieLoginResult =
  | { user: User; expiresIn: number; mfa?: undefined; error?: undefined }
  | { mfa: MfaRequired; user?: undefined; error?: undefined }
  | { error: ErrorResponse; status: number; user?: undefined; mfa?: undefined };

export type CookieCodeResult =
  { user: User; expiresIn: number; error?: undefined } | { error: SecondFactorError; user?: undefined };

export interface WardenCookieClient {
  /**
   * The typed client (openapi-fetch): every route of Warden, authenticated by the session cookies.
   * A 401 RFC 9470 challenge (the route needs a second factor on this session) rejects with a
   * `StepUpRequiredError` instead of refreshing: answer it with `stepUp`, then retry.
   */
  api: Client<paths>;
  /**
   * Cookie login (`POST /auth/login`): Warden sets the HttpOnly cookies. For a user with
   * two-factor authentication on, `mfa` (Warden's 202): Warden set the HttpOnly mfa_token cookie
   * for `completeMfa`, and no session yet. 401 wrong credentials, 403, 429.
   */
  login(emailOrUsername: string, password: string): Promise<CookieLoginResult>;
  /**
   * The second step of a login that answered `mfa` (`POST /auth/login/mfa`): the session cookies.
   * `{ passkey: true }` runs the WebAuthn ceremony; the passkey must be the same user's.
   */
  completeMfa(factor: SecondFactor): Promise<CookieCodeResult>;
  /** Raises the current session to `aal2` (POST /auth/mfa/verify, a code or `{ passkey: true }`); Warden sets new cookies. */
  stepUp(factor: SecondFactor): Promise<CookieCodeResult>;
  /**
   * Passwordless sign-in (`POST /auth/login/passkey`): authentication options, the WebAuthn
   * ceremony (no email asked), then Warden sets the session cookies of an `aal2` session. 401:
   * the passkey was refused. Rejects with `PasskeyOptionsError` when Warden refuses to start
   * (404 passkeys off, 429), and with the browser's error when the user cancels.
   */
  signInWithPasskey(): Promise<CookieLoginResult>;
  /** Registers a passkey for the signed-in user: `{passkey}` (201) or `{error, status}`; needs `aal2` when MFA is on. */
  registerPasskey(name?: string): Promise<PasskeyRegistrationResult>;
  /** Rotates the refresh cookie now; concurrent callers share one request. `false`: the session is over. */
  refresh(): Promise<boolean>;
  /** Revokes the session on Warden and clears the cookies (also when the access cookie has expired); throws on a 403. */
  logout(): Promise<void>;
}

/** The routes that sign in or out: a 401 there is an answer, not an expired session. */
const SESSION_ROUTES = new Set([
  '/auth/login',
  '/auth/login/mfa',
  '/auth/login/passkey',
  '/auth/refresh',
  '/auth/logout',
]);

/**
 * Cookie mode, for browser apps on Warden's cookie login: the tokens stay in HttpOnly cookies that
 * JavaScript never sees; every request is sent with `credentials: 'include'` and the browser adds
 * the Origin header that Warden's CSRF check reads. A 401 triggers one `POST /auth/refresh`
 * (shared by every request that fails meanwhile) and one retry; a refresh that fails (Warden then
 * clears the cookies) returns the 401 as it came: show the sign-in form.
 */
export function createWardenCookieClient(options: WardenCookieClientOptions): WardenCookieClient {
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const ceremonies = options.webauthn ?? BROWSER_CEREMONIES;
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
    // A refreshed cookie has the session's same level: only a second factor answers this.
    const challenge = stepUpChallenge(response);
    if (challenge) throw challenge;
    // Refreshed since this request left (cookies already new): retry without another refresh.
    const renewed = inFlight ? await inFlight : sentAt !== generation ? lastRefreshOk : await refresh();
    if (!renewed) return response;
    await response.body?.cancel();
    return send(retry);
  };

  const api = createClient<paths>({ baseUrl: options.baseUrl, fetch: withRefresh, credentials: 'include' });
  /**
   * Wrong codes of the pending second step. The mfa_token itself is an HttpOnly cookie; after a
   * page reload this count starts again, and Warden still ends the step at its fifth wrong code.
   */
  let attempts = new PendingSecondStep();

  return {
    api,
    refresh,
    async login(emailOrUsername, password) {
      const identifier = emailOrUsername.includes('@') ? { email: emailOrUsername } : { username: emailOrUsername };
      const { data, error, response } = await sessionClient.POST('/auth/login', {
        body: { ...identifier, password },
      });
      if (!data) return { error, status: response.status };
      if ('mfa_required' in data) {
        attempts = new PendingSecondStep();
        return { mfa: { methods: data.mfa_methods } };
      }
      return { user: data.user, expiresIn: data.expires_in };
    },
    async completeMfa(factor) {
      const body =
        'passkey' in factor ? passkeyBody(await passkeyAssertion(sessionClient, ceremonies)) : codeBody(factor);
      const { data, error, response } = await sessionClient.POST('/auth/login/mfa', { body });
      if (data) {
        attempts = new PendingSecondStep();
        return { user: data.user, expiresIn: data.expires_in };
      }
      const message = messageOf(error, response.status);
      // 401: a wrong code, or no live mfa_token cookie (Warden says which in the message).
      if (response.status === 401) return { error: attempts.failed(message, 401) };
      return { error: { reason: 'rejected', message, status: response.status, retryAfter: retryAfterOf(response) } };
    },
    async stepUp(factor) {
      const body =
        'passkey' in factor ? passkeyBody(await passkeyAssertion(sessionClient, ceremonies)) : codeBody(factor);
      const { data, error, response } = await api.POST('/auth/mfa/verify', { body });
      if (data && 'user' in data) return { user: data.user, expiresIn: data.expires_in };
      const message = messageOf(error, response.status);
      if (response.status === 400) return { error: { reason: 'wrong_code', message, status: 400 } };
      // 401 after the refresh-and-retry: there is no session to raise.
      if (response.status === 401) return { error: { reason: 'sign_in_again', message, status: 401 } };
      return { error: { reason: 'rejected', message, status: response.status, retryAfter: retryAfterOf(response) } };
    },
    async signInWithPasskey() {
      const assertion = await passkeyAssertion(sessionClient, ceremonies);
      const { data, error, response } = await sessionClient.POST('/auth/login/passkey', {
        body: passkeyBody(assertion),
      });
      if (!data) return { error: error, status: response.status };
      return { user: data.user, expiresIn: data.expires_in };
    },
    registerPasskey(name) {
      return registerPasskeyWith(api, ceremonies, name);
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
