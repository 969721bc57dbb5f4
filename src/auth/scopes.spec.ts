import { grantScopes, refreshScopes } from './scopes.js';

describe('grantScopes', () => {
  it('grants all the roles allow when nothing is asked', () => {
    expect(grantScopes(undefined, ['user'])).toEqual(['profile']);
    expect(grantScopes('', ['user', 'admin'])).toEqual(['profile', 'users:read', 'users:write']);
  });

  it('refuses an unknown scope', () => {
    expect(grantScopes('profile launch', ['user'])).toBeNull();
  });
});

describe('refreshScopes (RFC 6749 §6)', () => {
  it('keeps what the session was granted', () => {
    expect(refreshScopes('profile', undefined, ['user', 'admin'])).toEqual(['profile']);
  });

  it('narrows to a requested subset and refuses anything wider', () => {
    expect(refreshScopes('profile users:read', 'users:read', ['user', 'admin'])).toEqual(['users:read']);
    expect(refreshScopes('profile', 'profile users:read', ['user', 'admin'])).toBeNull();
  });

  it('drops scopes the current roles no longer allow', () => {
    expect(refreshScopes('profile users:read users:write', undefined, ['user'])).toEqual(['profile']);
    expect(refreshScopes('users:read', undefined, ['user'])).toBeNull();
  });

  it('treats a session without a recorded scope as granted all its roles allow', () => {
    expect(refreshScopes(null, undefined, ['user', 'admin'])).toEqual(['profile', 'users:read', 'users:write']);
  });
});
