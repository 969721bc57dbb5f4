import { BadRequestException, Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ClientInfo } from '../common/client-info.js';
import type { Principal } from '../common/principal.js';
import { RefreshRotationService } from '../sessions/refresh-rotation.service.js';
import { Session } from '../sessions/session.entity.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { normalizeEmail } from '../users/email.js';
import { UsersService } from '../users/users.service.js';
import { AccessTokenService } from './access-token.service.js';
import { type IssuedTokens, withAccessToken } from './issued-tokens.js';
import { type SecondFactorCode, SecondFactorService } from './second-factor.service.js';

export const INVALID_CODE = 'Invalid code';

/**
 * Step-up (RFC 9470) of the caller's session: a right second factor raises it to aal2 and
 * rotates its refresh-token family, in one transaction, and answers fresh tokens for the same
 * session. A wrong code changes nothing but the back-off counter and the audit log.
 */
@Injectable()
export class StepUpService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly rotation: RefreshRotationService,
    private readonly accessTokens: AccessTokenService,
    private readonly secondFactor: SecondFactorService,
  ) {}

  async raise(
    principal: Principal,
    code: SecondFactorCode,
    client: ClientInfo,
    via: 'token' | 'cookie',
  ): Promise<IssuedTokens> {
    const user = await this.users.findById(principal.userId);
    if (!user?.mfaEnabled) throw new BadRequestException('Two-factor authentication is not on for this account');
    const proven = await this.secondFactor.check(user, normalizeEmail(user.email), code, client, {
      via: `step_up_${via}`,
      sessionId: principal.sessionId,
    });
    if (!proven) throw new BadRequestException(INVALID_CODE);
    const raised = await this.dataSource.transaction(async (em) => {
      if (!(await this.sessions.raiseToAal2(principal.sessionId, proven.amr, em))) return null;
      const refreshToken = await this.rotation.reissue(principal.sessionId, em);
      const session = await em.getRepository(Session).findOneBy({ id: principal.sessionId });
      return refreshToken && session ? { refreshToken, session } : null;
    });
    if (!raised) {
      await proven.attempt.release();
      throw new UnauthorizedException('The session has ended; sign in again');
    }
    await proven.attempt.reset();
    return withAccessToken(this.accessTokens, user, raised.session, raised.refreshToken, principal.scopes);
  }
}
