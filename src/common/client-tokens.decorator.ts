import { SetMetadata } from '@nestjs/common';

export const ACCEPTS_CLIENT_TOKENS = 'warden:accepts-client-tokens';

/**
 * The route also accepts a client_credentials access token (no user: the client's scopes
 * decide, @Roles() is not asked of it). Every other protected route answers such a token 401.
 */
export const AcceptsClientTokens = () => SetMetadata(ACCEPTS_CLIENT_TOKENS, true);
