import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../common/oauth-error.js';
import { sameSecret } from '../common/secrets.js';
import { ClientsService, hashClientSecret } from './clients.service.js';
import type { OAuthClient } from './oauth-client.entity.js';

/** RFC 6749 2.3 / OIDC Core 9: how the client proved who it is at the token endpoint. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export const CLIENT_AUTH_METHODS: ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];

/** What the request says about its client, before anything is looked up. */
export interface PresentedClient {
  method: ClientAuthMethod;
  clientId: string;
  secret: string | null;
}

const MAX_PART = 512;
const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="warden"' };
const FAILED = 'Client authentication failed';
// Compared against when the client is unknown, so that the answer takes as long.
const DUMMY_HASH = hashClientSecret('warden-no-such-client');

/** RFC 6749 5.2: 401 invalid_client with a Basic challenge. */
export function invalidClient(description = FAILED): OAuthError {
  return new OAuthError('invalid_client', description, 401, BASIC_CHALLENGE);
}

function param(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) throw new OAuthError('invalid_request', `Parameter ${name} is duplicated`);
  if (typeof value !== 'string') throw new OAuthError('invalid_request', `Parameter ${name} must be a string`);
  return value;
}

/** application/x-www-form-urlencoded decoding of one part of the Basic credentials (RFC 6749 2.3.1). */
function formDecode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw invalidClient('The Authorization header is malformed');
  }
}

/** The Basic header's client id and secret; null without one, or for Swagger UI's empty `Og==`. */
function basicCredentials(request: FastifyRequest): { clientId: string; secret: string } | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Basic +([A-Za-z0-9+/=._~-]*)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('The Authorization header is malformed');
  const clientId = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === '' && secret === '') return null;
  return { clientId, secret };
}

/**
 * Client authentication at the token endpoint: `client_secret_basic`, `client_secret_post`, or
 * `none` (a public client names itself with `client_id`). One method per request; a failure is
 * 401 `invalid_client` with `WWW-Authenticate: Basic realm="warden"`.
 */
@Injectable()
export class ClientAuthService {
  constructor(private readonly clients: ClientsService) {}

  /** What the request presents (invalid_request for two methods at once), or null for nothing. */
  presented(request: FastifyRequest, body: unknown): PresentedClient | null {
    const basic = basicCredentials(request);
    const bodyId = param(body, 'client_id');
    const bodySecret = param(body, 'client_secret');
    if (basic) {
      if (bodySecret !== undefined) {
        throw new OAuthError(
          'invalid_request',
          'Use one client authentication method: Basic or client_secret, not both',
        );
      }
      if (bodyId !== undefined && bodyId !== basic.clientId) {
        throw new OAuthError('invalid_request', 'client_id differs from the client of the Authorization header');
      }
      return { method: 'client_secret_basic', clientId: basic.clientId, secret: basic.secret };
    }
    if (bodySecret !== undefined) {
      if (bodyId === undefined) throw new OAuthError('invalid_request', 'Missing parameter: client_id');
      return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret };
    }
    return bodyId === undefined ? null : { method: 'none', clientId: bodyId, secret: null };
  }

  /** The authenticated client; invalid_client when none is presented or the credentials are wrong. */
  async authenticate(request: FastifyRequest, body: unknown): Promise<OAuthClient> {
    const presented = this.presented(request, body);
    if (!presented) throw invalidClient('Client authentication required');
    return this.verify(presented);
  }

  /** Like authenticate(), but null when the request names no client at all. */
  async authenticateIfPresented(request: FastifyRequest, body: unknown): Promise<OAuthClient | null> {
    const presented = this.presented(request, body);
    return presented ? this.verify(presented) : null;
  }

  async verify(presented: PresentedClient): Promise<OAuthClient> {
    const { clientId, secret } = presented;
    const client = clientId.length <= MAX_PART ? await this.clients.find(clientId) : null;
    if (secret === null) {
      if (!client) throw invalidClient();
      if (client.type !== 'public')
        throw invalidClient('This client must authenticate (client_secret_basic or client_secret_post)');
      return client;
    }
    const expected = client?.secretHash ?? DUMMY_HASH;
    const matches = secret.length <= MAX_PART && sameSecret(hashClientSecret(secret), expected);
    if (!client || client.type !== 'confidential' || !client.secretHash || !matches) throw invalidClient();
    return client;
  }
}
