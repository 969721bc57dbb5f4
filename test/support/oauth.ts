import type { INestApplication } from '@nestjs/common';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { ClientsService } from '../../src/clients/clients.service.js';
import type { ClientGrant } from '../../src/clients/dto/client.dto.js';
import { type CookieJar, hiddenField, type JarResponse } from './cookie-jar.js';
import { PASSWORD } from './accounts.js';

/** An ES256 signing key: OpenID Connect needs an asymmetric JWT_ALGORITHM. */
export function oidcEnv(): Record<string, string> {
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: privateKey };
}

export interface RegisteredClient {
  clientId: string;
  secret?: string;
}

export interface ClientOptions {
  name?: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  scopes?: string[];
  firstParty?: boolean;
  confidential?: boolean;
  grantTypes?: string[];
}

/** Registers a client through ClientsService, as the CLI and the admin API do. */
export async function createClient(app: INestApplication, options: ClientOptions): Promise<RegisteredClient> {
  const { client, secret } = await app.get(ClientsService).create({
    name: options.name ?? 'Example App',
    type: options.confidential ? 'confidential' : 'public',
    redirectUris: options.redirectUris,
    postLogoutRedirectUris: options.postLogoutRedirectUris ?? [],
    grantTypes: (options.grantTypes ?? ['authorization_code', 'refresh_token']) as ClientGrant[],
    scopes: options.scopes ?? ['openid', 'profile', 'email'],
    firstParty: options.firstParty ?? false,
  });
  return { clientId: client.id, secret: secret ?? undefined };
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** `/oauth/authorize?…` with the usual parameters; `undefined` in extra removes one. */
export function authorizePath(
  clientId: string,
  redirectUri: string,
  challenge: string,
  extra: Record<string, string | undefined> = {},
): string {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid profile',
    state: 'st-' + randomBytes(6).toString('hex'),
    nonce: 'n-' + randomBytes(6).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, value);
  return `/oauth/authorize?${query.toString()}`;
}

/** Fills the hosted /login form that `loginPage` shows and posts it (as the browser would). */
export async function submitLogin(
  jar: CookieJar,
  loginPage: JarResponse,
  loginUrl: string,
  email: string,
  password = PASSWORD,
): Promise<JarResponse> {
  const action = new URL(loginUrl);
  const form: Record<string, string> = { username: email, password, _csrf: hiddenField(loginPage.text, '_csrf') };
  const returnTo = /name="return_to"/.test(loginPage.text) ? hiddenField(loginPage.text, 'return_to') : undefined;
  if (returnTo !== undefined) form.return_to = returnTo;
  return jar.postForm(`${action.origin}${action.pathname}${action.search}`, form);
}

export function query(location: string | null): URLSearchParams {
  if (!location) throw new Error('no Location');
  return new URL(location).searchParams;
}
