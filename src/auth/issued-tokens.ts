import type { Session } from '../sessions/session.entity.js';
import type { User } from '../users/user.entity.js';
import type { AccessTokenService } from './access-token.service.js';
import type { TokenResponseDto } from './dto/token-response.dto.js';

/** A fresh token pair, before it becomes a token response (bearer) or cookies (browser). */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  scopes: string[];
  session: Session;
  user: User;
}

/** The session's refresh token with a new access token beside it. */
export async function withAccessToken(
  accessTokens: AccessTokenService,
  user: User,
  session: Session,
  refreshToken: string,
  scopes: string[],
): Promise<IssuedTokens> {
  const accessToken = await accessTokens.sign({
    userId: user.id,
    sessionId: session.id,
    email: user.email,
    roles: user.roles,
    scopes,
    acr: session.acr,
    amr: session.amr,
    authTime: session.authTime,
    clientId: session.clientId ?? undefined,
  });
  return { accessToken, refreshToken, expiresIn: accessTokens.ttlSeconds, scopes, session, user };
}

export function tokenResponse(issued: IssuedTokens): TokenResponseDto {
  return {
    access_token: issued.accessToken,
    token_type: 'bearer',
    expires_in: issued.expiresIn,
    refresh_token: issued.refreshToken,
    scope: issued.scopes.join(' '),
  };
}
