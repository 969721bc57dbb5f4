import { OAuthError } from '../common/oauth-error.js';
import { parseTokenRequest } from './token-request.js';

const codeOf = (body: unknown) => {
  try {
    parseTokenRequest(body);
    return 'ok';
  } catch (error) {
    return (error as OAuthError).code;
  }
};

describe('parseTokenRequest', () => {
  it('reads the password grant and ignores unknown parameters (RFC 6749 §3.2)', () => {
    expect(parseTokenRequest({ grant_type: 'password', username: 'a', password: 'b', client_id: 'swagger' })).toEqual({
      grant_type: 'password',
      username: 'a',
      password: 'b',
      scope: undefined,
    });
  });

  it('reads the authorization_code grant (client_id optional beside client credentials)', () => {
    expect(
      parseTokenRequest({
        grant_type: 'authorization_code',
        code: 'c',
        redirect_uri: 'https://a/cb',
        code_verifier: 'v',
        client_id: 'x',
      }),
    ).toEqual({
      grant_type: 'authorization_code',
      code: 'c',
      redirect_uri: 'https://a/cb',
      code_verifier: 'v',
      client_id: 'x',
    });
  });

  it('reads the refresh grant', () => {
    expect(parseTokenRequest({ grant_type: 'refresh_token', refresh_token: 'r', scope: 'profile' })).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'r',
      scope: 'profile',
    });
  });

  it.each([
    [null, 'invalid_request'],
    [[], 'invalid_request'],
    [{}, 'invalid_request'],
    [{ grant_type: ['password', 'password'] }, 'invalid_request'],
    [{ grant_type: 'password', username: 5, password: 'x' }, 'invalid_request'],
    [{ grant_type: 'implicit' }, 'unsupported_grant_type'],
    [{ grant_type: 'authorization_code', code: 'c', redirect_uri: 'https://a/cb' }, 'invalid_request'],
    [{ grant_type: 'refresh_token' }, 'invalid_request'],
  ])('answers %j with %s', (body, code) => {
    expect(codeOf(body)).toBe(code);
  });
});
