import type { components } from './openapi.js';

/**
 * What the token endpoint answers (generated from Warden's OpenAPI document), plus the
 * `client_id` of a session that came from the authorization code flow: its refresh sends it.
 */
export type TokenSet = components['schemas']['TokenResponseDto'] & { client_id?: string };

/** Where the session keeps its tokens: memory here; secure storage on a device, a file for a CLI. */
export interface TokenStorage {
  get(): TokenSet | null | Promise<TokenSet | null>;
  set(tokens: TokenSet | null): void | Promise<void>;
}

export class MemoryTokenStorage implements TokenStorage {
  private tokens: TokenSet | null = null;

  get(): TokenSet | null {
    return this.tokens;
  }

  set(tokens: TokenSet | null): void {
    this.tokens = tokens;
  }
}
