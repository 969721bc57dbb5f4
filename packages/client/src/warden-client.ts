import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './openapi.js';
import { MemoryTokenStorage, type TokenSet, type TokenStorage } from './token-storage.js';

export interface WardenClientOptions {
  /** Warden's base URL, e.g. `https://auth.example.com`. */
  baseUrl: string;
  storage?: TokenStorage;
  fetch?: (request: Request) => Promise<Response>;
}

export interface WardenClient {
  /** The typed client (openapi-fetch): every route of Warden, with the session's bearer token. */
  api: Client<paths>;
  /** Password grant (first-party apps); keeps the tokens. The error body is Warden's OAuth error. */
  login(
    username: string,
    password: string,
    scope?: string,
  ): Promise<{ tokens: TokenSet; error?: undefined } | { tokens?: undefined; error: OAuthError }>;
  /** Revokes the session on Warden (RFC 7009, with the refresh token) and forgets the tokens. */
  logout(): Promise<void>;
  /** Rotates the refresh token now; concurrent callers share one request. `null`: the session is over. */
  refresh(): Promise<TokenSet | null>;
  storage: TokenStorage;
}

export type OAuthError = components['schemas']['OAuthErrorResponseDto'];

const formBody = (body: object) =>
  new URLSearchParams(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string')).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * A bearer session over the typed client: each request carries the stored access token; a 401
 * triggers one refresh (shared by every request that fails meanwhile) and one retry. A refresh
 * that fails ends the session (the tokens are forgotten) and the 401 is returned as it came.
 */
export function createWardenClient(options: WardenClientOptions): WardenClient {
  const storage = options.storage ?? new MemoryTokenStorage();
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const tokenClient = createClient<paths>({ baseUrl: options.baseUrl, fetch: send });
  let inFlight: Promise<TokenSet | null> | null = null;

  const refresh = (): Promise<TokenSet | null> => {
    inFlight ??= (async () => {
      const current = await storage.get();
      if (!current) return null;
      const { data } = await tokenClient.POST('/auth/token', {
        body: { grant_type: 'refresh_token', refresh_token: current.refresh_token },
        bodySerializer: formBody,
        headers: FORM,
      });
      await storage.set(data ?? null);
      return data ?? null;
    })().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  /** Tokens newer than `used`: another request may have refreshed them already. */
  const renewedSince = async (used: TokenSet): Promise<TokenSet | null> => {
    if (inFlight) return inFlight;
    const current = await storage.get();
    if (current && current.access_token !== used.access_token) return current;
    return refresh();
  };

  const authorized = async (request: Request): Promise<Response> => {
    const retry = request.clone();
    const tokens = await storage.get();
    if (tokens) request.headers.set('authorization', `Bearer ${tokens.access_token}`);
    const response = await send(request);
    if (response.status !== 401 || !tokens) return response;
    const renewed = await renewedSince(tokens);
    if (!renewed) return response;
    await response.body?.cancel();
    retry.headers.set('authorization', `Bearer ${renewed.access_token}`);
    return send(retry);
  };

  return {
    api: createClient<paths>({ baseUrl: options.baseUrl, fetch: authorized }),
    storage,
    refresh,
    async login(username, password, scope) {
      const { data, error } = await tokenClient.POST('/auth/token', {
        body: { grant_type: 'password', username, password, ...(scope ? { scope } : {}) },
        bodySerializer: formBody,
        headers: FORM,
      });
      if (!data) return { error: error as OAuthError };
      await storage.set(data);
      return { tokens: data };
    },
    async logout() {
      const tokens = await storage.get();
      await storage.set(null);
      if (!tokens) return;
      // RFC 7009 with the refresh token: works even when the access token has expired.
      await tokenClient.POST('/auth/revoke', {
        body: { token: tokens.refresh_token, token_type_hint: 'refresh_token' },
        bodySerializer: formBody,
        headers: FORM,
        parseAs: 'text',
      });
    },
  };
}
