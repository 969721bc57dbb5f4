import { allowedScopes, grantScopes, OIDC_SCOPES, refreshScopes, SCOPES } from './scopes.js';

describe('allowedScopes', () => {
  it('gives a user profile only and an admin every scope', () => {
    expect(allowedScopes(['user'])).toEqual(['profile']);
    expect(allowedScopes(['user', 'admin'])).toEqual([
      'profile',
      'users:read',
      'users:write',
      'clients:read',
      'clients:write',
    ]);
    expect(allowedScopes(['user', 'admin'])).toEqual(Object.keys(SCOPES));
  });

  it('gives nothing for no role', () => {
    expect(allowedScopes([])).toEqual([]);
  });
});

describe('grantScopes (requested ∩ allowed)', () => {
  it('grants everything the roles allow when no scope is requested', () => {
    expect(grantScopes(undefined, ['user'])).toEqual(['profile']);
    expect(grantScopes('', ['user', 'admin'])).toEqual(['profile', 'users:read', 'users:write']);
    expect(grantScopes('   ', ['user'])).toEqual(['profile']);
  });

  it('grants the clients scopes to an admin only when asked for, never to a user', () => {
    expect(grantScopes(undefined, ['user', 'admin'])).not.toContain('clients:read');
    expect(grantScopes('clients:read clients:write', ['user', 'admin'])).toEqual(['clients:read', 'clients:write']);
    expect(grantScopes('clients:read', ['user'])).toBeNull();
    expect(refreshScopes(null, undefined, ['user', 'admin'])).not.toContain('clients:write');
  });

  it('grants exactly the requested scopes when they are allowed', () => {
    expect(grantScopes('users:read', ['user', 'admin'])).toEqual(['users:read']);
    expect(grantScopes('profile users:write', ['user', 'admin'])).toEqual(['profile', 'users:write']);
  });

  it('drops requested scopes that are known but not allowed, keeping the allowed ones', () => {
    expect(grantScopes('profile users:read', ['user'])).toEqual(['profile']);
  });

  it('refuses (invalid_scope) when nothing requested is allowed', () => {
    expect(grantScopes('users:read', ['user'])).toBeNull();
    expect(grantScopes('users:read users:write', ['user'])).toBeNull();
  });

  it('refuses an unknown scope, even next to allowed ones', () => {
    expect(grantScopes('launch-missiles', ['user', 'admin'])).toBeNull();
    expect(grantScopes('profile launch-missiles', ['user', 'admin'])).toBeNull();
  });

  it('does not treat inherited object keys as scopes', () => {
    expect(grantScopes('constructor', ['user', 'admin'])).toBeNull();
    expect(grantScopes('toString', ['user'])).toBeNull();
    expect(grantScopes('profile constructor', ['user', 'admin'])).toBeNull();
  });

  it('removes duplicates and tolerates repeated spaces', () => {
    expect(grantScopes('profile  profile', ['user'])).toEqual(['profile']);
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

describe('OpenID Connect scopes', () => {
  it('are granted to every user, only when asked for', () => {
    expect(grantScopes(undefined, ['user'])).toEqual(['profile']);
    expect(grantScopes('openid', ['user'])).toEqual(['openid']);
    expect(grantScopes('openid email profile', ['user'])).toEqual(['openid', 'email', 'profile']);
    expect(grantScopes('openid users:read', ['user'])).toEqual(['openid']);
    expect(Object.keys(OIDC_SCOPES)).toEqual(['openid', 'email']);
  });

  it('survive a refresh while the session has them, and are never added to it', () => {
    expect(refreshScopes('openid email', undefined, ['user'])).toEqual(['openid', 'email']);
    expect(refreshScopes('openid email', 'email', ['user'])).toEqual(['email']);
    expect(refreshScopes('profile', 'openid', ['user'])).toBeNull();
    expect(refreshScopes(null, undefined, ['user'])).toEqual(['profile']);
  });
});
