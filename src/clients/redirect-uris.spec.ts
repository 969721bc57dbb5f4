import { redirectUriMatches, validateRedirectUri } from './redirect-uris.js';

describe('validateRedirectUri', () => {
  it.each([
    'https://app.example.com/callback',
    'https://app.example.com/cb?tenant=a',
    'http://127.0.0.1/callback',
    'http://127.0.0.1:8400/callback',
    'http://[::1]:8400/cb',
    'http://localhost:3000/cb',
    'com.example.app:/oauth2redirect',
    'com.example.app://callback',
  ])('accepts %s', (uri) => {
    expect(validateRedirectUri(uri)).toBeNull();
  });

  it.each([
    ['', /non-empty/],
    ['/callback', /absolute/],
    ['app.example.com/callback', /absolute/],
    ['https://app.example.com/cb#frag', /fragment/],
    ['https://app.example.com/cb#', /fragment/],
    ['http://app.example.com/callback', /loopback/],
    ['http://127.0.0.2/callback', /loopback/],
    ['http://localhost.evil.com/cb', /loopback/],
    ['https://user:pw@app.example.com/cb', /user information/],
    ['javascript:alert(1)', /private-use/],
    ['data:text/html,hi', /private-use/],
    ['file:///etc/passwd', /private-use/],
    ['myapp:/cb', /private-use/],
    ['https://app.example.com/a b', /spaces/],
    ['https://app.example.com/\n', /control/],
  ])('refuses %s', (uri, reason) => {
    expect(validateRedirectUri(uri)).toMatch(reason);
  });

  it('refuses a URI longer than 2000 characters', () => {
    expect(validateRedirectUri(`https://app.example.com/${'a'.repeat(2000)}`)).toMatch(/at most/);
  });
});

describe('redirectUriMatches', () => {
  const registered = [
    'https://app.example.com/cb',
    'http://127.0.0.1/loop',
    'http://[::1]:9000/v6',
    'com.example.app:/cb',
  ];

  it('matches a registered URI exactly', () => {
    expect(redirectUriMatches(registered, 'https://app.example.com/cb')).toBe(true);
    expect(redirectUriMatches(registered, 'com.example.app:/cb')).toBe(true);
  });

  it('refuses anything that is not exactly registered', () => {
    for (const candidate of [
      'https://app.example.com/cb/',
      'https://app.example.com/cb?x=1',
      'https://APP.example.com/cb',
      'https://app.example.com/CB',
      'https://app.example.com:443/cb',
      'https://app.example.com/cb#x',
      'https://app.example.com/a/../cb',
      'https://app.example.com.evil.com/cb',
      'http://app.example.com/cb',
      'com.example.app:/cb2',
      '',
    ]) {
      expect(redirectUriMatches(registered, candidate)).toBe(false);
    }
  });

  it('lets a loopback redirect use any port, and nothing else differ', () => {
    expect(redirectUriMatches(registered, 'http://127.0.0.1:51234/loop')).toBe(true);
    expect(redirectUriMatches(registered, 'http://127.0.0.1/loop')).toBe(true);
    expect(redirectUriMatches(registered, 'http://[::1]:1/v6')).toBe(true);
    expect(redirectUriMatches(registered, 'http://[::1]/v6')).toBe(true);
    expect(redirectUriMatches(registered, 'http://127.0.0.1:51234/loop/')).toBe(false);
    expect(redirectUriMatches(registered, 'http://127.0.0.1:51234/loop?x=1')).toBe(false);
    expect(redirectUriMatches(registered, 'http://127.0.0.1:51234/x/../loop')).toBe(false);
    expect(redirectUriMatches(registered, 'http://localhost:51234/loop')).toBe(false);
    expect(redirectUriMatches(registered, 'http://[::1]:51234/loop')).toBe(false);
    expect(redirectUriMatches(registered, 'https://127.0.0.1:51234/loop')).toBe(false);
    expect(redirectUriMatches(registered, 'http://user@127.0.0.1:51234/loop')).toBe(false);
  });

  it('matches nothing when nothing is registered', () => {
    expect(redirectUriMatches([], 'https://app.example.com/cb')).toBe(false);
  });
});
