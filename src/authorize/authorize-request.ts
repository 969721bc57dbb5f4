import { isS256Challenge } from './pkce.js';

export type Prompt = 'none' | 'login' | 'consent';

/** A validated authorization request (OIDC Core 3.1.2.1 with RFC 7636), as kept while it waits. */
export interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  /** As asked (space-separated), null when absent. */
  scope: string | null;
  state: string | null;
  nonce: string | null;
  codeChallenge: string;
  prompt: Prompt[];
  maxAge: number | null;
  loginHint: string | null;
  /**
   * Warden's own marker on the return from /login after `prompt=login` or a passed `max_age`: a
   * tag of the browser session that was not fresh enough. Coming back with that same session
   * means there was no new login; any other session is one signed in since.
   */
  priorLogin: string | null;
}

/** An error that goes back to the client's redirect URI (RFC 6749 4.1.2.1). */
export class AuthorizeError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export type RawParams = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_REDIRECT_URI = 2048;
const MAX_STATE = 2048;
const MAX_NONCE = 512;
const MAX_LOGIN_HINT = 320;
const MAX_SCOPE = 255;
const PROMPTS: readonly string[] = ['none', 'login', 'consent'];
/** The internal parameter of the /login round trip (see AuthorizeParams.priorLogin). */
export const PRIOR_LOGIN_PARAM = 'prior_login';
const PRIOR_LOGIN = /^[A-Za-z0-9_-]{22}$/;

type Single = { ok: true; value: string | undefined } | { ok: false; error: string };

function single(raw: RawParams, name: string): Single {
  const value = raw[name];
  if (value === undefined || value === null || value === '') return { ok: true, value: undefined };
  if (Array.isArray(value)) return { ok: false, error: `Parameter ${name} is duplicated` };
  if (typeof value !== 'string') return { ok: false, error: `Parameter ${name} must be a string` };
  return { ok: true, value };
}

function optional(raw: RawParams, name: string, max: number): string | null {
  const result = single(raw, name);
  if (!result.ok) throw new AuthorizeError('invalid_request', result.error);
  if (result.value !== undefined && result.value.length > max) {
    throw new AuthorizeError('invalid_request', `Parameter ${name} is longer than ${max} characters`);
  }
  return result.value ?? null;
}

/**
 * client_id and redirect_uri, the two parameters that must be right before anything may be sent
 * back to the client: a string naming what is wrong (shown on a 400 page, never redirected).
 */
export function redirectTarget(raw: RawParams): { clientId: string; redirectUri: string } | string {
  const clientId = single(raw, 'client_id');
  if (!clientId.ok) return clientId.error;
  if (!clientId.value) return 'The request has no client_id.';
  if (!UUID.test(clientId.value)) return 'The client_id is not a registered client.';
  const redirectUri = single(raw, 'redirect_uri');
  if (!redirectUri.ok) return redirectUri.error;
  if (!redirectUri.value) return 'The request has no redirect_uri.';
  if (redirectUri.value.length > MAX_REDIRECT_URI) return 'The redirect_uri is too long.';
  return { clientId: clientId.value.toLowerCase(), redirectUri: redirectUri.value };
}

/** The state to echo in an error redirect: the one given, if it is a single string. */
export function stateOf(raw: RawParams): string | null {
  const state = single(raw, 'state');
  return state.ok && state.value !== undefined && state.value.length <= MAX_STATE ? state.value : null;
}

/** Everything else of the request; AuthorizeError (to redirect) when it is not acceptable. */
export function parseAuthorizeRequest(
  raw: RawParams,
  target: { clientId: string; redirectUri: string },
): AuthorizeParams {
  const state = optional(raw, 'state', MAX_STATE);
  if (raw.request !== undefined) {
    throw new AuthorizeError('request_not_supported', 'Request objects are not supported');
  }
  if (raw.request_uri !== undefined) {
    throw new AuthorizeError('request_uri_not_supported', 'request_uri is not supported');
  }
  const responseType = optional(raw, 'response_type', 64);
  if (!responseType) throw new AuthorizeError('invalid_request', 'Missing parameter: response_type');
  if (responseType !== 'code') {
    throw new AuthorizeError('unsupported_response_type', 'Only response_type=code is supported');
  }
  const codeChallenge = optional(raw, 'code_challenge', 128);
  if (!codeChallenge) {
    throw new AuthorizeError(
      'invalid_request',
      'PKCE is required: send code_challenge with code_challenge_method=S256',
    );
  }
  const method = optional(raw, 'code_challenge_method', 16);
  if (method !== 'S256') {
    throw new AuthorizeError('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
  }
  if (!isS256Challenge(codeChallenge)) {
    throw new AuthorizeError(
      'invalid_request',
      'code_challenge must be the 43-character base64url SHA-256 of the verifier',
    );
  }
  const scope = optional(raw, 'scope', MAX_SCOPE);
  const responseMode = optional(raw, 'response_mode', 32);
  if (responseMode !== null && responseMode !== 'query') {
    throw new AuthorizeError('invalid_request', 'Only response_mode=query is supported');
  }
  return {
    clientId: target.clientId,
    redirectUri: target.redirectUri,
    scope: scope === null ? null : scope.split(' ').filter(Boolean).join(' ') || null,
    state,
    nonce: optional(raw, 'nonce', MAX_NONCE),
    codeChallenge,
    prompt: parsePrompt(optional(raw, 'prompt', 64)),
    maxAge: parseMaxAge(optional(raw, 'max_age', 12)),
    loginHint: optional(raw, 'login_hint', MAX_LOGIN_HINT),
    priorLogin: parsePriorLogin(optional(raw, PRIOR_LOGIN_PARAM, 22)),
  };
}

function parsePrompt(value: string | null): Prompt[] {
  if (value === null) return [];
  const prompts = [...new Set(value.split(' ').filter(Boolean))];
  const unknown = prompts.find((prompt) => !PROMPTS.includes(prompt));
  if (unknown) throw new AuthorizeError('invalid_request', `Unsupported prompt value: ${unknown.slice(0, 32)}`);
  // OIDC Core 3.1.2.1: none with any other value is an error.
  if (prompts.includes('none') && prompts.length > 1) {
    throw new AuthorizeError('invalid_request', 'prompt=none cannot be combined with other values');
  }
  return prompts as Prompt[];
}

function parseMaxAge(value: string | null): number | null {
  if (value === null) return null;
  if (!/^\d{1,10}$/.test(value)) throw new AuthorizeError('invalid_request', 'max_age must be a number of seconds');
  return Number(value);
}

function parsePriorLogin(value: string | null): string | null {
  if (value === null) return null;
  if (!PRIOR_LOGIN.test(value)) throw new AuthorizeError('invalid_request', `Malformed parameter ${PRIOR_LOGIN_PARAM}`);
  return value;
}

/** The query string of the request again (for the return from /login), with the changes given. */
export function authorizeQuery(
  params: AuthorizeParams,
  changes: { prompt: Prompt[]; priorLogin: string | null },
): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    code_challenge: params.codeChallenge,
    code_challenge_method: 'S256',
  });
  if (params.scope !== null) query.set('scope', params.scope);
  if (params.state !== null) query.set('state', params.state);
  if (params.nonce !== null) query.set('nonce', params.nonce);
  if (changes.prompt.length > 0) query.set('prompt', changes.prompt.join(' '));
  if (params.maxAge !== null) query.set('max_age', String(params.maxAge));
  if (params.loginHint !== null) query.set('login_hint', params.loginHint);
  if (changes.priorLogin !== null) query.set(PRIOR_LOGIN_PARAM, changes.priorLogin);
  return query.toString();
}

/** redirect_uri with the response parameters added (its own query kept, RFC 6749 3.1.2). */
export function responseUrl(redirectUri: string, params: Record<string, string | null>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value);
  return url.toString();
}
