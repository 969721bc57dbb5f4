import { Inject, Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { type AppConfig } from '../config/app-config.js';
import type { AuthProviderConfig } from '../config/auth-providers-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** Seconds a request to a provider may take (discovery, token, JWKS, GitHub's API). */
export const PROVIDER_TIMEOUT_SECONDS = 10;

function loopback(url: string): boolean {
  return new URL(url).protocol === 'http:';
}

/**
 * The openid-client Configuration of each provider of AUTH_PROVIDERS. An `oidc` provider is
 * discovered from its issuer on first use (a failed discovery is retried on the next sign-in, so
 * a provider that is down at start does not stop Warden); `github` is configured from its
 * endpoints. ID tokens are checked against the provider's JWKS (enableNonRepudiationChecks: the
 * signature too, not only TLS). Plain http is allowed only where the config allowed it: loopback.
 */
@Injectable()
export class ProviderClients {
  private readonly logger = new Logger(ProviderClients.name);
  private readonly configurations = new Map<string, Promise<oidc.Configuration>>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  list(): Array<{ id: string; name: string }> {
    return this.config.authProviders.map(({ id, name }) => ({ id, name }));
  }

  find(id: string): AuthProviderConfig | undefined {
    return this.config.authProviders.find((provider) => provider.id === id);
  }

  /** The redirect URI to register at the provider. */
  redirectUri(provider: AuthProviderConfig): string {
    return `${this.config.appUrl}/auth/providers/${provider.id}/callback`;
  }

  async configuration(provider: AuthProviderConfig): Promise<oidc.Configuration> {
    let found = this.configurations.get(provider.id);
    if (!found) {
      found = this.build(provider);
      this.configurations.set(provider.id, found);
      found.catch((error: unknown) => {
        this.configurations.delete(provider.id);
        this.logger.warn({ provider: provider.id, err: describe(error) }, 'Provider discovery failed');
      });
    }
    return found;
  }

  private async build(provider: AuthProviderConfig): Promise<oidc.Configuration> {
    const execute = loopback(provider.issuer) ? [oidc.allowInsecureRequests] : [];
    if (provider.type === 'oidc') {
      const configuration = await oidc.discovery(
        new URL(provider.issuer),
        provider.clientId,
        provider.clientSecret,
        undefined,
        { execute: [...execute, oidc.enableNonRepudiationChecks], timeout: PROVIDER_TIMEOUT_SECONDS },
      );
      configuration.timeout = PROVIDER_TIMEOUT_SECONDS;
      return configuration;
    }
    const configuration = new oidc.Configuration(
      {
        issuer: provider.issuer,
        authorization_endpoint: provider.authorizationEndpoint,
        token_endpoint: provider.tokenEndpoint,
      },
      provider.clientId,
      provider.clientSecret,
    );
    if (loopback(provider.tokenEndpoint!) || loopback(provider.authorizationEndpoint!)) {
      oidc.allowInsecureRequests(configuration);
    }
    configuration.timeout = PROVIDER_TIMEOUT_SECONDS;
    return configuration;
  }
}

/** What may be logged of a provider error: its kind and code, never a token or a response body. */
export function describe(error: unknown): { name: string; code?: string; error?: string } {
  const e = error as { name?: string; code?: string; error?: string };
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.error === 'string' ? { error: e.error.slice(0, 64) } : {}),
  };
}
