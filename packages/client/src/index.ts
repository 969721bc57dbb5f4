// The package's public surface (its one entry point, named in package.json `exports`).
export { createWardenClient, type OAuthError, type WardenClient, type WardenClientOptions } from './warden-client.js';
export {
  createWardenCookieClient,
  type CookieLoginResult,
  type ErrorResponse,
  type User,
  type WardenCookieClient,
  type WardenCookieClientOptions,
} from './cookie-client.js';
export { MemoryTokenStorage, type TokenSet, type TokenStorage } from './token-storage.js';
export type { components, operations, paths } from './openapi.js';
