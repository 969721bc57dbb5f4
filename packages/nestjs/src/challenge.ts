import { ForbiddenException, HttpException, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';

export type ChallengeParams = Record<string, string>;

/** An RFC 6750 `Bearer` challenge; quotes and backslashes in values are escaped (RFC 9110 quoted-string). */
export function bearerChallenge(realm: string, params: ChallengeParams = {}): string {
  const quote = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return ['Bearer', [['realm', realm], ...Object.entries(params)].map(([k, v]) => `${k}=${quote(v)}`).join(', ')].join(
    ' ',
  );
}

/** An error the guard answers with, and the WWW-Authenticate challenge that goes with it. */
export interface Refusal {
  exception: HttpException;
  challenge?: string;
}

export const refusals = {
  /** No credentials at all: a challenge without an error attribute. */
  missing: (realm: string): Refusal => ({
    exception: new UnauthorizedException('An access token is required'),
    challenge: bearerChallenge(realm),
  }),
  invalid: (realm: string): Refusal => ({
    exception: new UnauthorizedException('The access token is invalid, expired or revoked'),
    challenge: bearerChallenge(realm, { error: 'invalid_token' }),
  }),
  scope: (realm: string, required: string[], missing: string[]): Refusal => ({
    exception: new ForbiddenException(`The access token lacks the ${missing.join(' ')} scope`),
    challenge: bearerChallenge(realm, { error: 'insufficient_scope', scope: required.join(' ') }),
  }),
  roles: (required: string[]): Refusal => ({
    exception: new ForbiddenException(`This route requires the ${required.join(', ')} role`),
  }),
  /** RFC 9470: the client should send the user back to Warden to step up, then retry. */
  aal: (realm: string, level: string): Refusal => ({
    exception: new UnauthorizedException(`This route requires a session at ${level}`),
    challenge: bearerChallenge(realm, {
      error: 'insufficient_user_authentication',
      error_description: `A stronger authentication (${level}) is required`,
      acr_values: level,
    }),
  }),
  unavailable: (): Refusal => ({
    exception: new ServiceUnavailableException('The token could not be checked; try again later'),
  }),
};
