import { safeReturnTo } from './return-to.js';

const REGISTERED = 'https://app.example.com/callback';
const clients = { isRegisteredRedirectUri: (uri: string) => Promise.resolve(uri === REGISTERED) };

describe('safeReturnTo', () => {
  it.each([
    ['/account', '/account'],
    [
      '/oauth/authorize?client_id=abc&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback',
      '/oauth/authorize?client_id=abc&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback',
    ],
    ['/account#sessions', '/account#sessions'],
    ['/a/../account', '/account'],
  ])('keeps the own path %s', async (value, expected) => {
    await expect(safeReturnTo(value, clients)).resolves.toBe(expected);
  });

  it('keeps a registered redirect URI exactly', async () => {
    await expect(safeReturnTo(REGISTERED, clients)).resolves.toBe(REGISTERED);
  });

  it.each([
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '\\/evil.example',
    'https://evil.example',
    'https://evil.example/callback',
    'https://app.example.com/callback/extra',
    'https://app.example.com/callback?x=1',
    'http://app.example.com/callback',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '%2F%2Fevil.example',
    '/%2F%2Fevil.example',
    '/%2fevil.example',
    '/%5Cevil.example',
    '/%09/evil.example',
    '/\t/evil.example',
    ' /account',
    '/account\n',
    'evil.example',
    '',
    '/%E0%A4%A',
  ])('refuses %j', async (value) => {
    await expect(safeReturnTo(value, clients)).resolves.toBeNull();
  });

  it('refuses a path over 2048 characters', async () => {
    await expect(safeReturnTo(`/${'a'.repeat(2048)}`, clients)).resolves.toBeNull();
  });

  it.each([undefined, null, 42, ['/account'], { to: '/account' }])('refuses a non-string %j', async (value) => {
    await expect(safeReturnTo(value, clients)).resolves.toBeNull();
  });
});
