import createClient, { type Client } from 'openapi-fetch';
import {
  AuthorizationCodeFlow,
  type AuthorizationOptions,
  type AuthorizationResult,
  type LogoutUrlOptions,
  type PendingAuthorization,
} from './authorization-code.js';
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
  SIGN_IN_AGAIN,
  stepUpChallenge,
} from './second-factor.js';
import { MemoryTokenStorage, type TokenSet, type TokenStorage } from './token-storage.js';

export interface WardenClientOptions {
  /** Warden's base URL, e.g. `https://auth.example.com`. */
  baseUrl: string;
  /**
   * Warden's issuer (its APP_URL: the `iss` of its tokens, where browsers are sent), when it is
   * not `baseUrl` (e.g. the client reaches Warden on an internal address). Default: `baseUrl`.
   */
  issuer?: string;
  storage?: TokenStorage;
  fetch?: (request: Request) => Promise<Response>;
  /** The WebAuthn ceremonies (default: `@simplewebauthn/browser`'s startRegistration / startAuthentication). */
  webauthn?: PasskeyCeremonies;
}

export interface WardenClient {
  /**
   * The typed client (openapi-fetch): every route of Warden, with the session's bearer token. A
   * 401 RFC 9470 challenge (the route needs a second factor on this session) rejects with a
   * `StepUpRequiredError` instead of refreshing: answer it with `stepUp`, then retry.
   */
  api: Client<paths>;
  /**
   * Password grant (first-party apps); keeps the tokens. For a user with two-factor
   * authentication on, `mfa` instead: the client keeps the mfa_token for `completeMfa`. The error
   * body is Warden's OAuth error.
   */
  login(username: string, password: string, scope?: string): Promise<BearerLoginResult>;
  /**
   * The second step of a login that answered `mfa`: the session's tokens, kept like a login's.
   * `{ passkey: true }` runs the WebAuthn ceremony and sends the mfa-passkey grant; the passkey
   * must be the same user's (another one counts as a wrong code).
   */
  completeMfa(factor: SecondFactor): Promise<BearerCodeResult>;
  /** Raises the current session to `aal2` (POST /auth/mfa/verify, a code or `{ passkey: true }`) and keeps the rotated tokens. */
  stepUp(factor: SecondFactor): Promise<BearerCodeResult>;
  /**
   * Passwordless sign-in: authentication options, the WebAuthn ceremony (the browser offers the
   * passkeys it holds for this site; no email asked), then the passkey grant. Keeps the tokens of
   * the new `aal2` session. Rejects with `PasskeyOptionsError` when Warden refuses to start (404
   * passkeys off, 429), and with the browser's error when the user cancels.
   */
  signInWithPasskey(scope?: string): Promise<BearerPasskeyResult>;
  /** Registers a passkey for the signed-in user: `{passkey}` (201) or `{error, status}`; needs `aal2` when MFA is on. */
  registerPasskey(name?: string): Promise<PasskeyRegistrationResult>;
  /**
   * The authorization code flow with PKCE (S256), for a public client: the URL to send the
   * browser to, and the `state`, `nonce` and `codeVerifier` to keep (session storage) until the
   * callback. Fetches Warden's OpenID configuration once.
   */
  startAuthorization(options: AuthorizationOptions): Promise<PendingAuthorization>;
  /**
   * The callback (the redirect URI with `code`, `state` and `iss`): checks `state` and `iss`
   * (RFC 9207), exchanges the code with the PKCE verifier, checks the id_token and its nonce,
   * then keeps the tokens (with the `client_id`, which their refresh sends). A failed check or a
   * refused code stores nothing.
   */
  completeAuthorization(callbackUrl: string | URL, saved: PendingAuthorization): Promise<AuthorizationResult>;
  /** RP-initiated logout: the URL of Warden's end-session endpoint to send the browser to. */
  logoutUrl(options: LogoutUrlOptions): string;
  /** Revokes the session on Warden (RFC 7009, with the refresh token) and forgets the tokens. */
  logout(): Promise<void>;
  /** Rotates the refresh token now; concurrent callers share one request. `null`: the session is over. */
  refresh(): Promise<TokenSet | null>;
  storage: TokenStorage;
}

export type OAuthError = components['schemas']['OAuthErrorResponseDto'];

export type BearerLoginResult =
  | { tokens: TokenSet; mfa?: undefined; error?: undefined }
  | { mfa: MfaRequired; tokens?: undefined; error?: undefined }
  | { error: OAuthError; tokens?: undefined; mfa?: undefined };

export type BearerPasskeyResult = { tokens: TokenSet; error?: undefined } | { error: OAuthError; tokens?: undefined };

export type BearerCodeResult =
  { tokens: TokenSet; error?: undefined } | { error: SecondFactorError; tokens?: undefined };

type MfaRequiredBody = components['schemas']['MfaRequiredResponseDto'];
const MFA_OTP_GRANT = 'urn:warden:params:oauth:grant-type:mfa-otp';
const MFA_RECOVERY_CODE_GRANT = 'urn:warden:params:oauth:grant-type:mfa-recovery-code';
const MFA_PASSKEY_GRANT = 'urn:warden:params:oauth:grant-type:mfa-passkey';
const PASSKEY_GRANT = 'urn:warden:params:oauth:grant-type:passkey';

const isMfaRequired = (error: unknown): error is MfaRequiredBody =>
  typeof error === 'object' && error !== null && (error as { error?: unknown }).error === 'mfa_required';

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
  const ceremonies = options.webauthn ?? BROWSER_CEREMONIES;
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const tokenClient = createClient<paths>({ baseUrl: options.baseUrl, fetch: send });
  let inFlight: Promise<TokenSet | null> | null = null;

  const refresh = (): Promise<TokenSet | null> => {
    inFlight ??= (async () => {
      const current = await storage.get();
      if (!current) return null;
      const { client_id } = current;
      const { data } = await tokenClient.POST('/auth/token', {
        // A session of a public client refreshes only with its client_id.
        body: {
          grant_type: 'refresh_token',
          refresh_token: current.refresh_token,
          ...(client_id ? { client_id } : {}),
        },
        bodySerializer: formBody,
        headers: FORM,
      });
      // The refresh answers no id_token: the first one stays the session's (the logout hint).
      const renewed: TokenSet | null = data
        ? {
            ...data,
            ...(client_id ? { client_id } : {}),
            ...(current.id_token && !data.id_token ? { id_token: current.id_token } : {}),
          }
        : null;
      await storage.set(renewed);
      return renewed;
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
    // A refreshed token has the session's same level: only a second factor answers this.
    const challenge = stepUpChallenge(response);
    if (challenge) throw challenge;
    const renewed = await renewedSince(tokens);
    if (!renewed) return response;
    await response.body?.cancel();
    retry.headers.set('authorization', `Bearer ${renewed.access_token}`);
    return send(retry);
  };

  const api = createClient<paths>({ baseUrl: options.baseUrl, fetch: authorized });
  /** The pending second step of the last login: its mfa_token never leaves the client. */
  let pending: { mfaToken: string; attempts: PendingSecondStep } | null = null;
  const codeFlow = new AuthorizationCodeFlow(
    new URL(options.issuer ?? options.baseUrl),
    new URL(options.baseUrl),
    send,
    storage,
  );

  return {
    api,
    storage,
    refresh,
    async login(username, password, scope) {
      pending = null;
      const { data, error } = await tokenClient.POST('/auth/token', {
        body: { grant_type: 'password', username, password, ...(scope ? { scope } : {}) },
        bodySerializer: formBody,
        headers: FORM,
      });
      if (!data) {
        // Warden documents mfa_required beside the RFC 6749 errors of this 400.
        if (isMfaRequired(error)) {
          pending = { mfaToken: error.mfa_token, attempts: new PendingSecondStep() };
          return { mfa: { methods: error.mfa_methods } };
        }
        return { error: error as OAuthError };
      }
      await storage.set(data);
      return { tokens: data };
    },
    async completeMfa(factor) {
      const step = pending;
      if (!step) return { error: { reason: 'sign_in_again', message: SIGN_IN_AGAIN } };
      let grant: components['schemas']['TokenRequestDto'];
      if ('passkey' in factor) {
        const { challenge_id, credential } = await passkeyAssertion(tokenClient, ceremonies);
        grant = {
          grant_type: MFA_PASSKEY_GRANT,
          mfa_token: step.mfaToken,
          challenge_id,
          credential: JSON.stringify(credential),
        };
      } else if ('otp' in factor) {
        grant = { grant_type: MFA_OTP_GRANT, mfa_token: step.mfaToken, otp: factor.otp };
      } else {
        grant = { grant_type: MFA_RECOVERY_CODE_GRANT, mfa_token: step.mfaToken, recovery_code: factor.recovery_code };
      }
      const { data, error, response } = await tokenClient.POST('/auth/token', {
        body: grant,
        bodySerializer: formBody,
        headers: FORM,
      });
      if (data) {
        pending = null;
        await storage.set(data);
        return { tokens: data };
      }
      const description = (error as OAuthError | undefined)?.error_description ?? `Warden answered ${response.status}`;
      if (response.status === 400 && (error as OAuthError | undefined)?.error === 'invalid_grant') {
        const failed = step.attempts.failed(description, response.status);
        if (failed.reason === 'sign_in_again' && pending === step) pending = null;
        return { error: failed };
      }
      return {
        error: {
          reason: 'rejected',
          message: description,
          status: response.status,
          retryAfter: retryAfterOf(response),
        },
      };
    },
    async stepUp(factor) {
      const body =
        'passkey' in factor ? passkeyBody(await passkeyAssertion(tokenClient, ceremonies)) : codeBody(factor);
      const { data, error, response } = await api.POST('/auth/mfa/verify', { body });
      if (data && 'access_token' in data) {
        await storage.set(data);
        return { tokens: data };
      }
      const message = messageOf(error, response.status);
      if (response.status === 400) return { error: { reason: 'wrong_code', message, status: 400 } };
      // 401 after the refresh-and-retry: there is no session to raise.
      if (response.status === 401) return { error: { reason: 'sign_in_again', message, status: 401 } };
      return { error: { reason: 'rejected', message, status: response.status, retryAfter: retryAfterOf(response) } };
    },
    async signInWithPasskey(scope) {
      pending = null;
      const { challenge_id, credential } = await passkeyAssertion(tokenClient, ceremonies);
      const { data, error } = await tokenClient.POST('/auth/token', {
        body: {
          grant_type: PASSKEY_GRANT,
          challenge_id,
          credential: JSON.stringify(credential),
          ...(scope ? { scope } : {}),
        },
        bodySerializer: formBody,
        headers: FORM,
      });
      if (!data) return { error: error as OAuthError };
      await storage.set(data);
      return { tokens: data };
    },
    startAuthorization(authorization) {
      return codeFlow.start(authorization);
    },
    completeAuthorization(callbackUrl, saved) {
      pending = null;
      return codeFlow.complete(callbackUrl, saved);
    },
    logoutUrl(logout) {
      return codeFlow.logoutUrl(logout);
    },
    registerPasskey(name) {
      return registerPasskeyWith(api, ceremonies, name);
    },
    async logout() {
      pending = null;
      const tokens = await storage.get();
      await storage.set(null);
      // A session's token set always has a refresh token (only client_credentials answers none).
      if (!tokens?.refresh_token) return;
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
