import {
  AuthorizeError,
  authorizeQuery,
  parseAuthorizeRequest,
  redirectTarget,
  responseUrl,
  stateOf,
} from './authorize-request.js';

const CLIENT = '4f6c1a9e-2b7d-4d51-9a53-0f2b8f9e3c11';
const TARGET = { clientId: CLIENT, redirectUri: 'https://app.example.com/cb' };
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const VALID = {
  response_type: 'code',
  client_id: CLIENT,
  redirect_uri: TARGET.redirectUri,
  code_challenge: CHALLENGE,
  code_challenge_method: 'S256',
  scope: 'openid profile',
  state: 's1',
  nonce: 'n1',
};

function refusal(raw: Record<string, unknown>): { error: string; description: string } {
  try {
    parseAuthorizeRequest(raw, TARGET);
  } catch (error) {
    if (error instanceof AuthorizeError) return { error: error.error, description: error.description };
    throw error;
  }
  throw new Error('accepted');
}

describe('redirectTarget', () => {
  it('returns client_id (lower-cased) and redirect_uri', () => {
    expect(redirectTarget({ ...VALID, client_id: CLIENT.toUpperCase() })).toEqual(TARGET);
  });

  it('names a missing, duplicated or malformed client_id or redirect_uri', () => {
    expect(redirectTarget({ redirect_uri: TARGET.redirectUri })).toBe('The request has no client_id.');
    expect(redirectTarget({ client_id: [CLIENT, CLIENT], redirect_uri: 'x' })).toBe(
      'Parameter client_id is duplicated',
    );
    expect(redirectTarget({ client_id: 'app', redirect_uri: 'x' })).toBe('The client_id is not a registered client.');
    expect(redirectTarget({ client_id: CLIENT })).toBe('The request has no redirect_uri.');
    expect(redirectTarget({ client_id: CLIENT, redirect_uri: 'https://a/' + 'x'.repeat(2048) })).toBe(
      'The redirect_uri is too long.',
    );
  });
});

describe('parseAuthorizeRequest', () => {
  it('accepts a code request with PKCE S256', () => {
    expect(
      parseAuthorizeRequest({ ...VALID, prompt: 'login consent', max_age: '300', login_hint: 'a@b.c' }, TARGET),
    ).toEqual({
      ...TARGET,
      scope: 'openid profile',
      state: 's1',
      nonce: 'n1',
      codeChallenge: CHALLENGE,
      prompt: ['login', 'consent'],
      maxAge: 300,
      loginHint: 'a@b.c',
      priorLogin: null,
    });
  });

  it('refuses other response types', () => {
    expect(refusal({ ...VALID, response_type: 'token' }).error).toBe('unsupported_response_type');
    expect(refusal({ ...VALID, response_type: 'code id_token' }).error).toBe('unsupported_response_type');
    expect(refusal({ ...VALID, response_type: undefined }).error).toBe('invalid_request');
  });

  it('requires a code_challenge with method S256 and refuses plain', () => {
    expect(refusal({ ...VALID, code_challenge: undefined }).description).toMatch(/PKCE is required/);
    expect(refusal({ ...VALID, code_challenge_method: 'plain' }).description).toMatch(/plain is not accepted/);
    expect(refusal({ ...VALID, code_challenge_method: undefined }).error).toBe('invalid_request');
    expect(refusal({ ...VALID, code_challenge: 'short' }).error).toBe('invalid_request');
  });

  it('refuses duplicated parameters', () => {
    expect(refusal({ ...VALID, scope: ['openid', 'profile'] })).toEqual({
      error: 'invalid_request',
      description: 'Parameter scope is duplicated',
    });
  });

  it('refuses unknown prompt values and none with others', () => {
    expect(refusal({ ...VALID, prompt: 'select_account' }).error).toBe('invalid_request');
    expect(refusal({ ...VALID, prompt: 'none login' }).description).toMatch(/cannot be combined/);
  });

  it('refuses a max_age that is not a number of seconds', () => {
    expect(refusal({ ...VALID, max_age: '-1' }).error).toBe('invalid_request');
    expect(refusal({ ...VALID, max_age: '1.5' }).error).toBe('invalid_request');
  });

  it('refuses request objects', () => {
    expect(refusal({ ...VALID, request: 'eyJ...' }).error).toBe('request_not_supported');
    expect(refusal({ ...VALID, request_uri: 'https://x' }).error).toBe('request_uri_not_supported');
  });

  it('echoes only a single state', () => {
    expect(stateOf({ state: 'abc' })).toBe('abc');
    expect(stateOf({ state: ['a', 'b'] })).toBeNull();
  });
});

describe('authorizeQuery and responseUrl', () => {
  it('rebuilds the request without prompt=login and with the login marker', () => {
    const params = parseAuthorizeRequest({ ...VALID, prompt: 'login' }, TARGET);
    const tag = 'AbCdEfGhIjKlMnOpQrStUv';
    const query = new URLSearchParams(authorizeQuery(params, { prompt: [], priorLogin: tag }));
    expect(query.get('prompt')).toBeNull();
    expect(query.get('prior_login')).toBe(tag);
    expect(parseAuthorizeRequest(Object.fromEntries(query), TARGET)).toEqual({
      ...params,
      prompt: [],
      priorLogin: tag,
    });
    expect(() => parseAuthorizeRequest({ ...VALID, prior_login: 'x' }, TARGET)).toThrow(AuthorizeError);
  });

  it('keeps the redirect URI query and adds the response parameters', () => {
    expect(
      responseUrl('https://app.example.com/cb?x=1', { code: 'c', state: null, iss: 'https://id.example.com' }),
    ).toBe('https://app.example.com/cb?x=1&code=c&iss=https%3A%2F%2Fid.example.com');
    expect(responseUrl('com.example.app:/cb', { code: 'c' })).toBe('com.example.app:/cb?code=c');
  });
});
