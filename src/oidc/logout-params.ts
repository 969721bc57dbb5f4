/** Thrown for a malformed logout request: shown as a 400 page, nothing is changed. */
export class LogoutRequestError extends Error {}

export interface LogoutParams {
  idTokenHint?: string;
  postLogoutRedirectUri?: string;
  state?: string;
  clientId?: string;
}

const MAX_LENGTH = 8192;

function param(source: Record<string, unknown>, name: string): string | undefined {
  const value = source[name];
  if (Array.isArray(value)) throw new LogoutRequestError(`Parameter ${name} is duplicated`);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > MAX_LENGTH) {
    throw new LogoutRequestError(`Parameter ${name} must be one string of at most ${MAX_LENGTH} characters`);
  }
  return value;
}

/** RP-Initiated Logout 1.0 section 2: the parameters Warden uses; others (ui_locales, logout_hint) are ignored. */
export function parseLogoutParams(source: unknown): LogoutParams {
  const fields = source !== null && typeof source === 'object' ? (source as Record<string, unknown>) : {};
  return {
    idTokenHint: param(fields, 'id_token_hint'),
    postLogoutRedirectUri: param(fields, 'post_logout_redirect_uri'),
    state: param(fields, 'state'),
    clientId: param(fields, 'client_id'),
  };
}

/** The registered URI with `state` added to its query (RP-Initiated Logout 1.0 section 3). */
export function withState(uri: string, state: string | undefined): string {
  if (state === undefined) return uri;
  const url = new URL(uri);
  url.searchParams.set('state', state);
  return url.toString();
}
