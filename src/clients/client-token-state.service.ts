import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { prepared } from '../config/prepared-statements.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { isClientId } from './clients.service.js';

/** What a client_credentials token is checked against on every request. */
interface ClientState {
  exists: boolean;
  clientCredentials: boolean;
  generation: number;
  scopes: readonly string[];
}

/** The token to check, as its claims say. */
export interface ClientTokenFacts {
  clientId: string;
  generation: number;
  scopes: string[];
}

const STATE_SQL = prepared(
  `SELECT secret_generation, scopes, 'client_credentials' = ANY(grant_types) AS client_credentials
     FROM oauth_clients WHERE id = $1 AND type = 'confidential'`,
);
/** A safety net like the session cache's: correctness comes from the change notifications. */
const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;
const GONE: ClientState = Object.freeze({ exists: false, clientCredentials: false, generation: 0, scopes: [] });

/**
 * Is this client_credentials token still good? Its client must exist, keep the grant, be at the
 * secret generation the token was issued under (a rotation ends older tokens) and still allow
 * every scope the token carries. The answer is cached per client and dropped on every instance
 * when the client changes (the session-revocation channel: Postgres NOTIFY or Redis); while that
 * channel is down the cache is not used. User tokens never come here.
 */
@Injectable()
export class ClientTokenStateService {
  private readonly cache = new Map<string, { state: ClientState; cachedAt: number }>();
  private generation = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsService,
  ) {
    sessions.onClientChange((clientId) => {
      this.generation += 1;
      if (clientId === null) this.cache.clear();
      else this.cache.delete(clientId);
    });
  }

  async isActive(token: ClientTokenFacts): Promise<boolean> {
    if (!isClientId(token.clientId)) return false;
    const state = await this.state(token.clientId);
    return (
      state.exists &&
      state.clientCredentials &&
      state.generation === token.generation &&
      token.scopes.every((scope) => state.scopes.includes(scope))
    );
  }

  private async state(clientId: string): Promise<ClientState> {
    const useCache = this.sessions.listeningForChanges;
    const cached = useCache ? this.cache.get(clientId) : undefined;
    if (cached && Date.now() - cached.cachedAt <= TTL_MS) return cached.state;
    const generation = this.generation;
    const [row] = await this.dataSource.query<
      Array<{ secret_generation: number; scopes: string[]; client_credentials: boolean }>
    >(STATE_SQL, [clientId]);
    const state: ClientState = row
      ? Object.freeze({
          exists: true,
          clientCredentials: row.client_credentials,
          generation: Number(row.secret_generation),
          scopes: Object.freeze([...row.scopes]),
        })
      : GONE;
    // A change announced while this read ran must not be undone by what it read.
    if (useCache && this.sessions.listeningForChanges && generation === this.generation) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      this.cache.set(clientId, { state, cachedAt: Date.now() });
    }
    return state;
  }
}
