import { SetMetadata } from '@nestjs/common';

export const REQUIRED_SCOPES = 'warden:scopes';

/** The access token must carry every listed OAuth2 scope (checked by ScopesGuard). */
export const Scopes = (...scopes: string[]) => SetMetadata(REQUIRED_SCOPES, scopes);
