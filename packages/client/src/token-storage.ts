import type { components } from './openapi.js';

/** What the token endpoint answers (generated from Warden's OpenAPI document). */
export type TokenSet = components['schemas']['TokenResponseDto'];

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
