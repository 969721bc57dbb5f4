import { ConfigError, loadConfig } from './app-config.js';

const base = { JWT_SECRET: 'x'.repeat(16) + 'abcdefghijklmnop', DATA_DIR: '/tmp/warden-webauthn-config-spec' };

describe('passkey configuration', () => {
  it('defaults to the host of APP_URL as RP ID and to APP_URL plus the CORS_ORIGINS on it as origins', () => {
    const { webauthn } = loadConfig({
      ...base,
      APP_URL: 'https://auth.example.com/',
      CORS_ORIGINS: 'https://app.example.com,https://sso.auth.example.com',
    });
    expect(webauthn).toEqual({
      rpId: 'auth.example.com',
      rpName: 'Warden',
      origins: ['https://auth.example.com', 'https://sso.auth.example.com'],
    });
  });

  it('lets every default origin on a shared parent domain in', () => {
    const { webauthn } = loadConfig({
      ...base,
      APP_URL: 'https://auth.example.com',
      CORS_ORIGINS: 'https://app.example.com',
      WEBAUTHN_RP_ID: 'example.com',
    });
    expect(webauthn?.origins).toEqual(['https://auth.example.com', 'https://app.example.com']);
  });

  it('takes WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and WEBAUTHN_ORIGINS', () => {
    const { webauthn } = loadConfig({
      ...base,
      APP_URL: 'https://auth.example.com',
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_RP_NAME: 'Example',
      WEBAUTHN_ORIGINS: 'https://example.com, https://shop.example.com:8443/',
    });
    expect(webauthn).toEqual({
      rpId: 'example.com',
      rpName: 'Example',
      origins: ['https://example.com', 'https://shop.example.com:8443'],
    });
  });

  it('leaves passkeys off for an APP_URL on an IP address without WEBAUTHN_* settings', () => {
    expect(loadConfig({ ...base, APP_URL: 'http://127.0.0.1:3000' }).webauthn).toBeUndefined();
  });

  it.each([
    [{ APP_URL: 'http://127.0.0.1:3000', WEBAUTHN_ORIGINS: 'http://127.0.0.1:3000' }, /not an IP address/],
    [{ WEBAUTHN_RP_ID: '::1' }, /not an IP address/],
    [{ WEBAUTHN_RP_ID: 'https://example.com' }, /domain name/],
    [{ WEBAUTHN_ORIGINS: 'https://localhost/path' }, /without a path/],
    [{ WEBAUTHN_ORIGINS: 'not a url' }, /origins like/],
    [{ WEBAUTHN_ORIGINS: 'https://evil.example' }, /not on the RP ID localhost/],
    [{ WEBAUTHN_RP_ID: 'example.com', APP_URL: 'https://notexample.com' }, /neither APP_URL nor CORS_ORIGINS/],
    [{ WEBAUTHN_RP_NAME: 'n'.repeat(65) }, /WEBAUTHN_RP_NAME/],
  ])('stops the start for %j', (env, message) => {
    const load = () => loadConfig({ ...base, ...env });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });
});
