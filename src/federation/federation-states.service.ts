import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as oidc from 'openid-client';
import type { DataSource } from 'typeorm';
import { sha256Hex } from '../common/secrets.js';

/** A flow lives this long between the start and the provider's callback. */
export const FEDERATION_STATE_TTL_SECONDS = 600;

export interface NewFlow {
  provider: string;
  /** The browser's binding value (the HttpOnly cookie); only its hash is stored. */
  binding: string;
  returnTo: string | null;
  linkUserId: string | null;
}

export interface StartedFlow {
  state: string;
  nonce: string;
  codeChallenge: string;
}

export interface ClaimedFlow {
  provider: string;
  codeVerifier: string;
  nonce: string;
  returnTo: string | null;
  linkUserId: string | null;
}

const INSERT_SQL = `INSERT INTO federation_states
    (state_hash, binding_hash, provider, code_verifier, nonce, return_to, link_user_id, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))`;

// Single use under concurrency and across instances: the row is deleted as it is read, and only
// by the browser that holds the binding cookie, for the provider it was started for, in time.
const CLAIM_SQL = `WITH claimed AS (
    DELETE FROM federation_states
     WHERE state_hash = $1 AND binding_hash = $2 AND provider = $3 AND expires_at > now()
    RETURNING provider, code_verifier, nonce, return_to, link_user_id
  ) SELECT * FROM claimed`;

/** The `state` of a provider flow (RFC 6749 10.12), its PKCE verifier and OpenID nonce. */
@Injectable()
export class FederationStatesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(flow: NewFlow): Promise<StartedFlow> {
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    await this.dataSource.query(INSERT_SQL, [
      sha256Hex(state),
      sha256Hex(flow.binding),
      flow.provider,
      codeVerifier,
      nonce,
      flow.returnTo,
      flow.linkUserId,
      FEDERATION_STATE_TTL_SECONDS,
    ]);
    return { state, nonce, codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier) };
  }

  /** The flow, used up; null when unknown, used, expired, of another provider or another browser. */
  async claim(state: string, binding: string, provider: string): Promise<ClaimedFlow | null> {
    if (!state || state.length > 256 || !binding || binding.length > 256) return null;
    const [row] = await this.dataSource.query<Array<Record<string, string | null>>>(CLAIM_SQL, [
      sha256Hex(state),
      sha256Hex(binding),
      provider,
    ]);
    if (!row) return null;
    return {
      provider: row.provider as string,
      codeVerifier: row.code_verifier as string,
      nonce: row.nonce as string,
      returnTo: row.return_to,
      linkUserId: row.link_user_id,
    };
  }
}
