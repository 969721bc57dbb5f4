import * as oidc from 'openid-client';
import type { AuthProviderConfig } from '../config/auth-providers-config.js';
import { normalizeEmail } from '../users/email.js';
import { PROVIDER_TIMEOUT_SECONDS } from './provider-clients.js';

/** Who the provider says signed in. */
export interface ProviderIdentity {
  /** The provider's stable id of the account (`sub`; GitHub's numeric user id). */
  subject: string;
  /** Normalised; null when the provider gave none. */
  email: string | null;
  /** The provider says it verified the address. */
  emailVerified: boolean;
}

/** The provider's answer was unusable (no subject, a malformed API reply). */
export class ProviderAnswerError extends Error {}

const MAX_SUBJECT = 255;
const MAX_EMAIL = 320;

function emailOf(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_EMAIL || !value.includes('@')) return null;
  return normalizeEmail(value);
}

/**
 * The code exchange at the provider's token endpoint and who it names. openid-client checks the
 * state, PKCE, and for `oidc` the id_token: signature against the provider's JWKS (an unknown
 * key fails), `iss`, `aud` (our client_id), `exp`, `iat`, and our `nonce`. GitHub issues no
 * id_token: its user and verified primary email come from its API with the access token.
 */
export async function exchangeAndIdentify(
  provider: AuthProviderConfig,
  configuration: oidc.Configuration,
  callbackUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string },
): Promise<ProviderIdentity> {
  if (provider.type === 'oidc') {
    const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims || typeof claims.sub !== 'string' || claims.sub === '' || claims.sub.length > MAX_SUBJECT) {
      throw new ProviderAnswerError('id_token without a usable sub');
    }
    const email = emailOf(claims.email);
    return { subject: claims.sub, email, emailVerified: email !== null && claims.email_verified === true };
  }
  const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
    pkceCodeVerifier: checks.codeVerifier,
    expectedState: checks.state,
  });
  return githubIdentity(provider, tokens.access_token);
}

async function githubGet(provider: AuthProviderConfig, accessToken: string, path: string): Promise<unknown> {
  const response = await fetch(`${provider.apiUrl}${path}`, {
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/vnd.github+json',
      'user-agent': 'Warden',
      'x-github-api-version': '2022-11-28',
    },
    signal: AbortSignal.timeout(PROVIDER_TIMEOUT_SECONDS * 1000),
  });
  if (!response.ok) throw new ProviderAnswerError(`GitHub API ${path} answered ${response.status}`);
  return response.json();
}

/** GitHub's `/user` (the numeric id is the subject) and `/user/emails` (the primary address, and whether it is verified). */
async function githubIdentity(provider: AuthProviderConfig, accessToken: string): Promise<ProviderIdentity> {
  const user = (await githubGet(provider, accessToken, '/user')) as { id?: unknown };
  if (typeof user?.id !== 'number' && typeof user?.id !== 'string')
    throw new ProviderAnswerError('GitHub user without id');
  const subject = String(user.id);
  if (subject === '' || subject.length > MAX_SUBJECT) throw new ProviderAnswerError('GitHub user id unusable');
  const emails = await githubGet(provider, accessToken, '/user/emails');
  if (!Array.isArray(emails)) throw new ProviderAnswerError('GitHub emails not a list');
  const primary = (emails as Array<{ email?: unknown; primary?: unknown; verified?: unknown }>).find(
    (entry) => entry?.primary === true,
  );
  const email = emailOf(primary?.email);
  return { subject, email, emailVerified: email !== null && primary?.verified === true };
}
