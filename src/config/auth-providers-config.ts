import { readFileSync } from 'node:fs';
import { ConfigError } from './app-config.js';

export type AuthProviderType = 'oidc' | 'github';

/** GitHub's endpoints; each may be overridden in the entry (tests, GitHub Enterprise). */
export const GITHUB_DEFAULTS = {
  issuer: 'https://github.com',
  authorization_endpoint: 'https://github.com/login/oauth/authorize',
  token_endpoint: 'https://github.com/login/oauth/access_token',
  api_url: 'https://api.github.com',
};

/** One provider of AUTH_PROVIDERS (docs/federation.md). */
export interface AuthProviderConfig {
  id: string;
  name: string;
  type: AuthProviderType;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** Its verified emails may find (and link to) an existing Warden account, and mark new ones verified. */
  trustEmail: boolean;
  /** github only: the endpoints (GitHub's by default). */
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  apiUrl?: string;
}

const KNOWN_FIELDS = [
  'id',
  'name',
  'type',
  'issuer',
  'client_id',
  'client_secret',
  'scopes',
  'trust_email',
  'authorization_endpoint',
  'token_endpoint',
  'api_url',
];
const ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An https URL, or http on a loopback host (a local IdP in development and tests); else the problem. */
function urlProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return 'must be a URL';
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return 'must be a URL';
  }
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname)) return null;
  return 'must be an https URL (http only on a loopback host)';
}

function parseEntry(raw: unknown, index: number, seen: Set<string>, mistakes: string[]): AuthProviderConfig | null {
  const where = (field: string) => `AUTH_PROVIDERS[${index}]${label}.${field}`;
  let label = '';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    mistakes.push(`AUTH_PROVIDERS[${index}] must be an object`);
    return null;
  }
  const entry = raw as Record<string, unknown>;
  if (typeof entry.id === 'string' && ID.test(entry.id)) label = ` ("${entry.id}")`;
  const before = mistakes.length;
  for (const key of Object.keys(entry)) {
    if (!KNOWN_FIELDS.includes(key)) mistakes.push(`${where(key)} is not a known field`);
  }
  if (typeof entry.id !== 'string' || !ID.test(entry.id)) {
    mistakes.push(`${where('id')} must be 1 to 32 of [a-z0-9_-], starting with a letter or digit`);
  } else if (seen.has(entry.id)) {
    mistakes.push(`${where('id')} is used by another provider`);
  } else seen.add(entry.id);
  if (typeof entry.name !== 'string' || entry.name.trim() === '' || entry.name.length > 60) {
    mistakes.push(`${where('name')} must be a non-empty string of at most 60 characters`);
  }
  if (entry.type !== 'oidc' && entry.type !== 'github') mistakes.push(`${where('type')} must be "oidc" or "github"`);
  const github = entry.type === 'github';
  if (!(github && entry.issuer === undefined)) {
    const problem = urlProblem(entry.issuer);
    if (problem) mistakes.push(`${where('issuer')} ${problem}`);
  }
  for (const field of ['authorization_endpoint', 'token_endpoint', 'api_url']) {
    if (entry[field] === undefined) continue;
    if (!github) mistakes.push(`${where(field)} is only for type "github" (an oidc provider is discovered)`);
    else {
      const problem = urlProblem(entry[field]);
      if (problem) mistakes.push(`${where(field)} ${problem}`);
    }
  }
  if (typeof entry.client_id !== 'string' || entry.client_id === '') {
    mistakes.push(`${where('client_id')} must be a non-empty string`);
  }
  if (typeof entry.client_secret !== 'string' || entry.client_secret === '') {
    mistakes.push(`${where('client_secret')} must be a non-empty string`);
  }
  const scopesOk =
    entry.scopes === undefined ||
    (Array.isArray(entry.scopes) &&
      entry.scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)));
  if (!scopesOk) mistakes.push(`${where('scopes')} must be a list of scope strings`);
  if (entry.trust_email !== undefined && typeof entry.trust_email !== 'boolean') {
    mistakes.push(`${where('trust_email')} must be true or false`);
  }
  if (mistakes.length > before) return null;
  const defaultScopes = github ? ['read:user', 'user:email'] : ['openid', 'email', 'profile'];
  const scopes = (entry.scopes as string[] | undefined) ?? defaultScopes;
  return {
    id: entry.id as string,
    name: (entry.name as string).trim(),
    type: entry.type as AuthProviderType,
    issuer: ((entry.issuer as string | undefined) ?? GITHUB_DEFAULTS.issuer).replace(/\/+$/, ''),
    clientId: entry.client_id as string,
    clientSecret: entry.client_secret as string,
    scopes: !github && !scopes.includes('openid') ? ['openid', ...scopes] : scopes,
    trustEmail: entry.trust_email === true,
    ...(github
      ? {
          authorizationEndpoint:
            (entry.authorization_endpoint as string | undefined) ?? GITHUB_DEFAULTS.authorization_endpoint,
          tokenEndpoint: (entry.token_endpoint as string | undefined) ?? GITHUB_DEFAULTS.token_endpoint,
          apiUrl: ((entry.api_url as string | undefined) ?? GITHUB_DEFAULTS.api_url).replace(/\/+$/, ''),
        }
      : {}),
  };
}

/**
 * AUTH_PROVIDERS (JSON) or AUTH_PROVIDERS_FILE (a file holding the same JSON). Every mistake is
 * collected, one line each naming the entry and the field; then the start stops with all of
 * them. Secrets are never echoed.
 */
export function authProvidersConfig(json: string | undefined, file: string | undefined): AuthProviderConfig[] {
  if (json !== undefined && file !== undefined) {
    throw new ConfigError('Set AUTH_PROVIDERS or AUTH_PROVIDERS_FILE, not both');
  }
  let text = json;
  const source = file !== undefined ? 'AUTH_PROVIDERS_FILE' : 'AUTH_PROVIDERS';
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError(`AUTH_PROVIDERS_FILE points to a file that cannot be read: ${file}`);
    }
  }
  if (text === undefined || text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`${source} must be a JSON list of providers`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(`${source} must be a JSON list of providers`);
  const mistakes: string[] = [];
  const seen = new Set<string>();
  const providers = parsed.map((entry, index) => parseEntry(entry, index, seen, mistakes));
  if (mistakes.length > 0) throw new ConfigError(mistakes.join('\n'));
  return providers as AuthProviderConfig[];
}
