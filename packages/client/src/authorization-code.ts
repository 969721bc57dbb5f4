import * as oauth from 'oauth4webapi';
import type { TokenSet, TokenStorage } from './token-storage.js';

export interface AuthorizationOptions {
  /** The client's `client_id` (a public client: an SPA, a phone app). */
  clientId: string;
  /** One of the client's registered redirect URIs, exactly. */
  redirectUri: string;
  /** Space-separated scopes (default `openid profile`); `openid` asks for an id_token. */
  scope?: string;
  /** The email the sign-in page fills in. */
  loginHint?: string;
  /** `login` (sign in again), `consent` (ask again) or `none` (no page: an error if one is needed). */
  prompt?: 'none' | 'login' | 'consent';
}

/**
 * What `startAuthorization` answers: send the browser to `url`; keep the rest (session storage)
 * until the redirect URI is reached, then pass it to `completeAuthorization`. `state`, `nonce` and
 * `codeVerifier` are secrets of this one sign-in: never log them or put them in a URL.
 */
export interface PendingAuthorization {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  clientId: string;
  redirectUri: string;
}

export interface LogoutUrlOptions {
  /** The session's id_token (kept in the token set as `id_token`). */
  idTokenHint: string;
  /** One of the client's registered post-logout redirect URIs; without it Warden shows its own page. */
  postLogoutRedirectUri?: string;
  /** Comes back on the post-logout redirect. */
  state?: string;
}

/**
 * Why a callback was refused. `error` is Warden's OAuth error when Warden answered one (an
 * `access_denied` callback, `invalid_grant` from the token endpoint), otherwise
 * `invalid_response`: the callback or the token response failed a check of the client (state,
 * iss, the id_token and its nonce).
 */
export interface AuthorizationError {
  error: string;
  error_description: string;
  /** The token endpoint's HTTP status when it refused the code. */
  status?: number;
}

export type AuthorizationResult =
  { tokens: TokenSet; error?: undefined } | { error: AuthorizationError; tokens?: undefined };

/** http:// is for a Warden on this machine only (development, tests). */
const isLoopback = (url: URL) => url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

const DEFAULT_SCOPE = 'openid profile';

/**
 * The authorization code flow with PKCE (S256) for a public client, on oauth4webapi: discovery of
 * the issuer, the authorization URL, and the callback's checks (state, RFC 9207 iss, the id_token
 * and its nonce) before the code is exchanged.
 */
export class AuthorizationCodeFlow {
  private metadata: Promise<oauth.AuthorizationServer> | null = null;
  private readonly io: {
    [oauth.customFetch]: (
      url: string,
      options: oauth.CustomFetchOptions<string, RequestInit['body']>,
    ) => Promise<Response>;
    [oauth.allowInsecureRequests]?: boolean;
  };

  /** The code exchanges running now, by state: a second call with the same callback shares the first's. */
  private readonly completing = new Map<string, Promise<AuthorizationResult>>();

  /**
   * `issuer` is Warden's APP_URL (its metadata and tokens name it); `baseUrl` is where requests
   * go: a request for a URL of the issuer is sent to `baseUrl` when the two differ.
   */
  constructor(
    private readonly issuer: URL,
    baseUrl: URL,
    send: (request: Request) => Promise<Response>,
    private readonly storage: TokenStorage,
  ) {
    const toBase = (url: string) =>
      issuer.origin !== baseUrl.origin && url.startsWith(`${issuer.origin}/`)
        ? `${baseUrl.origin}${url.slice(issuer.origin.length)}`
        : url;
    this.io = {
      [oauth.customFetch]: (url, options) => send(new Request(toBase(url), options)),
      ...(isLoopback(issuer) ? { [oauth.allowInsecureRequests]: true } : {}),
    };
  }

  /** Warden's OpenID configuration (fetched once; a failed fetch is tried again next time). */
  private server(): Promise<oauth.AuthorizationServer> {
    this.metadata ??= (async () => {
      const response = await oauth.discoveryRequest(this.issuer, { algorithm: 'oidc', ...this.io });
      return oauth.processDiscoveryResponse(this.issuer, response);
    })().catch((error: unknown) => {
      this.metadata = null;
      throw error;
    });
    return this.metadata;
  }

  async start(options: AuthorizationOptions): Promise<PendingAuthorization> {
    const as = await this.server();
    if (!as.authorization_endpoint) throw new Error('Warden announces no authorization endpoint');
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint);
    const params: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: options.clientId,
      redirect_uri: options.redirectUri,
      scope: options.scope ?? DEFAULT_SCOPE,
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      login_hint: options.loginHint,
      prompt: options.prompt,
    };
    for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
    return {
      url: url.toString(),
      state,
      nonce,
      codeVerifier,
      clientId: options.clientId,
      redirectUri: options.redirectUri,
    };
  }

  /**
   * Checks the callback, exchanges the code, checks the id_token; the tokens go to storage only if
   * all pass. Calls for the same sign-in while one runs (a page that handles its callback twice)
   * share its answer: a code's second use would make Warden revoke the session it opened.
   */
  complete(callbackUrl: string | URL, saved: PendingAuthorization): Promise<AuthorizationResult> {
    // What the app kept may be gone or damaged (session storage is the app's): never check against nothing.
    const fields = ['url', 'state', 'nonce', 'codeVerifier', 'clientId', 'redirectUri'] as const;
    if (fields.some((name) => typeof saved?.[name] !== 'string' || saved[name] === '')) {
      return Promise.resolve({
        error: { error: 'invalid_request', error_description: 'No pending sign-in for this callback: start it again' },
      });
    }
    const running = this.completing.get(saved.state);
    if (running) return running;
    const done = this.exchange(callbackUrl, saved).finally(() => this.completing.delete(saved.state));
    this.completing.set(saved.state, done);
    return done;
  }

  private async exchange(callbackUrl: string | URL, saved: PendingAuthorization): Promise<AuthorizationResult> {
    const as = await this.server();
    const client: oauth.Client = { client_id: saved.clientId };
    try {
      const params = oauth.validateAuthResponse(as, client, new URL(callbackUrl), saved.state);
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        saved.redirectUri,
        saved.codeVerifier,
        this.io,
      );
      const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: saved.nonce,
        requireIdToken: (new URL(saved.url).searchParams.get('scope') ?? '').split(' ').includes('openid'),
      });
      const tokens: TokenSet = {
        access_token: result.access_token,
        token_type: result.token_type,
        expires_in: result.expires_in ?? 0,
        scope: result.scope ?? '',
        ...(result.refresh_token ? { refresh_token: result.refresh_token } : {}),
        ...(result.id_token ? { id_token: result.id_token } : {}),
        // A public client's session refreshes only with its client_id.
        client_id: saved.clientId,
      };
      await this.storage.set(tokens);
      return { tokens };
    } catch (error) {
      return { error: refusal(error) };
    }
  }

  /** RP-initiated logout: where to send the browser to end the Warden session (and the client's). */
  logoutUrl(options: LogoutUrlOptions): string {
    const url = new URL('/oauth/logout', this.issuer);
    url.searchParams.set('id_token_hint', options.idTokenHint);
    if (options.postLogoutRedirectUri) url.searchParams.set('post_logout_redirect_uri', options.postLogoutRedirectUri);
    if (options.state) url.searchParams.set('state', options.state);
    return url.toString();
  }
}

function refusal(error: unknown): AuthorizationError {
  if (error instanceof oauth.AuthorizationResponseError) {
    return { error: error.error, error_description: error.error_description ?? 'Warden refused the authorization' };
  }
  if (error instanceof oauth.ResponseBodyError) {
    return {
      error: error.error,
      error_description: error.error_description ?? `Warden answered ${error.status}`,
      status: error.status,
    };
  }
  if (error instanceof oauth.OperationProcessingError) {
    return { error: 'invalid_response', error_description: error.message };
  }
  throw error;
}
