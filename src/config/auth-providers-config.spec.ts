import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './app-config.js';
import { authProvidersConfig, GITHUB_DEFAULTS } from './auth-providers-config.js';

const google = {
  id: 'google',
  name: 'Google',
  type: 'oidc',
  issuer: 'https://accounts.google.com',
  client_id: 'id.apps.googleusercontent.com',
  client_secret: 'GOCSPX-secret',
};

function mistakes(value: unknown): string[] {
  try {
    authProvidersConfig(JSON.stringify(value), undefined);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message.split('\n');
  }
  throw new Error('no ConfigError');
}

describe('AUTH_PROVIDERS', () => {
  it('is empty when unset', () => {
    expect(authProvidersConfig(undefined, undefined)).toEqual([]);
  });

  it('reads an oidc entry with the default scopes and trust_email off', () => {
    expect(authProvidersConfig(JSON.stringify([google]), undefined)).toEqual([
      {
        id: 'google',
        name: 'Google',
        type: 'oidc',
        issuer: 'https://accounts.google.com',
        clientId: 'id.apps.googleusercontent.com',
        clientSecret: 'GOCSPX-secret',
        scopes: ['openid', 'email', 'profile'],
        trustEmail: false,
      },
    ]);
  });

  it('always asks an oidc provider for openid', () => {
    const [entry] = authProvidersConfig(JSON.stringify([{ ...google, scopes: ['email'] }]), undefined);
    expect(entry.scopes).toEqual(['openid', 'email']);
  });

  it("gives github GitHub's endpoints unless overridden", () => {
    const [gh] = authProvidersConfig(
      JSON.stringify([
        { id: 'github', name: 'GitHub', type: 'github', client_id: 'a', client_secret: 'b', trust_email: true },
      ]),
      undefined,
    );
    expect(gh).toMatchObject({
      issuer: GITHUB_DEFAULTS.issuer,
      authorizationEndpoint: GITHUB_DEFAULTS.authorization_endpoint,
      tokenEndpoint: GITHUB_DEFAULTS.token_endpoint,
      apiUrl: GITHUB_DEFAULTS.api_url,
      scopes: ['read:user', 'user:email'],
      trustEmail: true,
    });
  });

  it('names the entry and the field of every mistake, one line each, and never echoes a secret', () => {
    const lines = mistakes([
      { ...google, client_secret: '' },
      {
        id: 'Bad Id',
        name: '',
        type: 'saml',
        issuer: 'http://idp.example.com',
        client_id: 'x',
        client_secret: 's3cr3t',
        extra: 1,
      },
      { ...google },
    ]);
    expect(lines).toEqual([
      'AUTH_PROVIDERS[0] ("google").client_secret must be a non-empty string',
      'AUTH_PROVIDERS[1].extra is not a known field',
      'AUTH_PROVIDERS[1].id must be 1 to 32 of [a-z0-9_-], starting with a letter or digit',
      'AUTH_PROVIDERS[1].name must be a non-empty string of at most 60 characters',
      'AUTH_PROVIDERS[1].type must be "oidc" or "github"',
      'AUTH_PROVIDERS[1].issuer must be an https URL (http only on a loopback host)',
      'AUTH_PROVIDERS[2] ("google").id is used by another provider',
    ]);
    expect(lines.join('\n')).not.toContain('s3cr3t');
  });

  it('allows http issuers on loopback hosts only', () => {
    expect(
      authProvidersConfig(JSON.stringify([{ ...google, issuer: 'http://127.0.0.1:8080' }]), undefined),
    ).toHaveLength(1);
    expect(
      authProvidersConfig(JSON.stringify([{ ...google, issuer: 'http://localhost:8080/realms/x' }]), undefined),
    ).toHaveLength(1);
    expect(mistakes([{ ...google, issuer: 'http://10.0.0.1' }])).toEqual([
      'AUTH_PROVIDERS[0] ("google").issuer must be an https URL (http only on a loopback host)',
    ]);
  });

  it('refuses endpoint overrides on oidc entries, bad scopes and a non-boolean trust_email', () => {
    expect(mistakes([{ ...google, token_endpoint: 'https://x', scopes: 'openid', trust_email: 'yes' }])).toEqual([
      'AUTH_PROVIDERS[0] ("google").token_endpoint is only for type "github" (an oidc provider is discovered)',
      'AUTH_PROVIDERS[0] ("google").scopes must be a list of scope strings',
      'AUTH_PROVIDERS[0] ("google").trust_email must be true or false',
    ]);
  });

  it('refuses what is not a JSON list, and both variables at once', () => {
    expect(() => authProvidersConfig('{', undefined)).toThrow('AUTH_PROVIDERS must be a JSON list of providers');
    expect(() => authProvidersConfig('{}', undefined)).toThrow('AUTH_PROVIDERS must be a JSON list of providers');
    expect(() => authProvidersConfig('[]', '/x')).toThrow('Set AUTH_PROVIDERS or AUTH_PROVIDERS_FILE, not both');
    expect(mistakes([1])).toEqual(['AUTH_PROVIDERS[0] must be an object']);
  });

  it('reads AUTH_PROVIDERS_FILE', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'warden-providers-')), 'providers.json');
    writeFileSync(file, JSON.stringify([google]));
    expect(authProvidersConfig(undefined, file).map((p) => p.id)).toEqual(['google']);
    expect(() => authProvidersConfig(undefined, `${file}.missing`)).toThrow(
      'AUTH_PROVIDERS_FILE points to a file that cannot be read',
    );
  });
});
