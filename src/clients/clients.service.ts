import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import { type AuditActor, AuditService } from '../audit/audit.service.js';
import type { AuthEventType } from '../audit/auth-event.entity.js';
import { isKnownScope } from '../auth/scopes.js';
import { sha256Hex } from '../common/secrets.js';
import { newOpaqueToken, SessionsService } from '../sessions/sessions.service.js';
import type { ClientGrant } from './dto/client.dto.js';
import { OAuthClient, type OAuthClientType } from './oauth-client.entity.js';
import { isLoopbackHost, redirectUriMatches } from './redirect-uris.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_GRANTS: ClientGrant[] = ['authorization_code', 'refresh_token'];
const DEFAULT_USER_SCOPES = ['openid', 'profile', 'email'];
const NOT_FOUND = 'No such client';

export function isClientId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** How a client secret is stored: SHA-256 is right for 256 random bits (no guessing to slow down). */
export function hashClientSecret(secret: string): string {
  return sha256Hex(secret);
}

export interface NewClient {
  name: string;
  type?: OAuthClientType;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes?: ClientGrant[];
  scopes?: string[];
  firstParty?: boolean;
}

export type ClientChange = Partial<
  Pick<OAuthClient, 'name' | 'redirectUris' | 'postLogoutRedirectUris' | 'scopes' | 'firstParty'>
>;

/** A new client and, when confidential, its secret: the only moment the secret exists outside the caller. */
export interface CreatedClient {
  client: OAuthClient;
  secret: string | null;
}

/** The registered OAuth clients: look-ups for the provider's endpoints and pages, and their administration. */
@Injectable()
export class ClientsService {
  constructor(
    @InjectRepository(OAuthClient) private readonly clients: Repository<OAuthClient>,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  /** The client, or null when there is none with that id (a malformed id included). */
  find(clientId: string): Promise<OAuthClient | null> {
    if (!isClientId(clientId)) return Promise.resolve(null);
    return this.clients.findOne({ where: { id: clientId } });
  }

  /** Whether some client registered `uri` as a redirect URI (exact; loopback: any port). */
  async isRegisteredRedirectUri(uri: string): Promise<boolean> {
    if (typeof uri !== 'string' || uri.length === 0 || uri.length > 2000) return false;
    const exact = await this.clients
      .createQueryBuilder('c')
      .where('c.redirect_uris @> ARRAY[:uri]::text[]', { uri })
      .getExists();
    if (exact) return true;
    const host = loopbackHostOf(uri);
    if (!host) return false;
    const candidates = await this.clients
      .createQueryBuilder('c')
      .select(['c.id', 'c.redirectUris'])
      .where(`EXISTS (SELECT 1 FROM unnest(c.redirect_uris) r WHERE starts_with(r, :prefix))`, {
        prefix: `http://${host}`,
      })
      .getMany();
    return candidates.some((client) => redirectUriMatches(client.redirectUris, uri));
  }

  /** One client or 404. */
  async get(clientId: string): Promise<OAuthClient> {
    const client = await this.find(clientId);
    if (!client) throw new NotFoundException(NOT_FOUND);
    return client;
  }

  /** Every client, newest first. */
  async list(): Promise<OAuthClient[]> {
    return this.clients.find({ order: { createdAt: 'DESC', id: 'DESC' } });
  }

  async create(input: NewClient, actor: AuditActor = {}): Promise<CreatedClient> {
    const type = input.type ?? 'public';
    const grantTypes = [...new Set(input.grantTypes ?? DEFAULT_GRANTS)];
    const redirectUris = [...new Set(input.redirectUris ?? [])];
    checkGrants(type, grantTypes, redirectUris);
    const secret = type === 'confidential' ? newOpaqueToken() : null;
    const scopes = input.scopes ?? defaultScopes(grantTypes);
    return this.clients.manager.transaction(async (em) => {
      const client = await em.getRepository(OAuthClient).save(
        Object.assign(new OAuthClient(), {
          name: input.name,
          type,
          secretHash: secret ? hashClientSecret(secret) : null,
          redirectUris,
          postLogoutRedirectUris: [...new Set(input.postLogoutRedirectUris ?? [])],
          grantTypes,
          scopes: [...new Set(scopes)],
          firstParty: input.firstParty ?? false,
        }),
      );
      await this.record(em, 'client_created', client, actor, { type, grant_types: grantTypes, scopes: client.scopes });
      return { client, secret };
    });
  }

  async update(clientId: string, change: ClientChange, actor: AuditActor = {}): Promise<OAuthClient> {
    if (!isClientId(clientId)) throw new NotFoundException(NOT_FOUND);
    return this.clients.manager.transaction(async (em) => {
      const repo = em.getRepository(OAuthClient);
      const client = await repo.findOne({ where: { id: clientId }, lock: { mode: 'pessimistic_write' } });
      if (!client) throw new NotFoundException(NOT_FOUND);
      const next = {
        name: change.name ?? client.name,
        redirectUris: change.redirectUris ? [...new Set(change.redirectUris)] : client.redirectUris,
        postLogoutRedirectUris: change.postLogoutRedirectUris
          ? [...new Set(change.postLogoutRedirectUris)]
          : client.postLogoutRedirectUris,
        scopes: change.scopes ? [...new Set(change.scopes)] : client.scopes,
        firstParty: change.firstParty ?? client.firstParty,
      };
      checkGrants(client.type, client.grantTypes as ClientGrant[], next.redirectUris);
      Object.assign(client, next);
      const saved = await repo.save(client);
      await this.record(em, 'client_updated', saved, actor, { fields: Object.keys(change).sort() });
      // Narrower scopes end the client_credentials tokens that carry a removed one.
      if (change.scopes) await this.sessions.notifyClientChanged(clientId, em);
      return saved;
    });
  }

  /** The client, its sessions (revoked on every instance at once) and, by cascade, its codes. */
  async delete(clientId: string, actor: AuditActor = {}): Promise<void> {
    if (!isClientId(clientId)) throw new NotFoundException(NOT_FOUND);
    await this.clients.manager.transaction(async (em) => {
      // Locked first: a session being opened for the client waits for the deletion, then fails.
      const client = await em
        .getRepository(OAuthClient)
        .findOne({ where: { id: clientId }, lock: { mode: 'pessimistic_write' } });
      if (!client) throw new NotFoundException(NOT_FOUND);
      const revoked = await this.sessions.revokeAllForClient(clientId, 'client_deleted', em);
      await em.getRepository(OAuthClient).delete({ id: clientId });
      await this.record(em, 'client_deleted', client, actor, { sessions_revoked: revoked });
    });
  }

  /** A new secret for a confidential client; the old one, and the tokens it got, stop working at once. */
  async rotateSecret(clientId: string, actor: AuditActor = {}): Promise<string> {
    if (!isClientId(clientId)) throw new NotFoundException(NOT_FOUND);
    const secret = newOpaqueToken();
    return this.clients.manager.transaction(async (em) => {
      const rows = await em.query<Array<Record<string, unknown>>>(
        `UPDATE oauth_clients SET secret_hash = $2, secret_generation = secret_generation + 1, updated_at = now()
          WHERE id = $1 RETURNING type, name`,
        [clientId, hashClientSecret(secret)],
      );
      // TypeORM answers [rows, count] for an UPDATE on Postgres.
      const [row] = (Array.isArray(rows[0]) ? rows[0] : rows) as Array<{ type: string; name: string }>;
      if (!row) throw new NotFoundException(NOT_FOUND);
      if (row.type !== 'confidential') throw new BadRequestException('A public client has no secret');
      await this.sessions.notifyClientChanged(clientId, em);
      await this.record(em, 'client_secret_rotated', { id: clientId, name: row.name }, actor, {});
      return secret;
    });
  }

  private record(
    em: EntityManager,
    type: AuthEventType,
    client: Pick<OAuthClient, 'id' | 'name'>,
    actor: AuditActor,
    details: Record<string, string | number | boolean | string[]>,
  ): Promise<void> {
    return this.audit.recordIn(em, {
      type,
      userId: actor.userId ?? null,
      client: actor.client,
      details: {
        client_id: client.id,
        client_name: client.name,
        ...details,
        actor_id: actor.userId ?? null,
        via: actor.userId ? 'api' : 'cli',
      },
    });
  }
}

/** Grants that fit the client: client_credentials needs a secret, a code needs somewhere to go. */
function checkGrants(type: OAuthClientType, grants: ClientGrant[], redirectUris: string[]): void {
  if (grants.length === 0) throw new BadRequestException(['grant_types must name at least one grant']);
  if (grants.includes('client_credentials') && type !== 'confidential') {
    throw new BadRequestException(['grant_types: client_credentials needs a confidential client']);
  }
  if (grants.includes('refresh_token') && !grants.includes('authorization_code')) {
    throw new BadRequestException(['grant_types: refresh_token comes with authorization_code']);
  }
  if (grants.includes('authorization_code') && redirectUris.length === 0) {
    throw new BadRequestException(['redirect_uris: authorization_code needs at least one redirect URI']);
  }
}

function defaultScopes(grants: ClientGrant[]): string[] {
  if (!grants.includes('authorization_code')) return [];
  return DEFAULT_USER_SCOPES.filter((scope) => isKnownScope(scope));
}

function loopbackHostOf(uri: string): string | null {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && isLoopbackHost(url.hostname) ? url.hostname : null;
  } catch {
    return null;
  }
}
