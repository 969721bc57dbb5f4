import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { FederationService } from '../federation/federation.service.js';

/** An upstream sign-in (OpenID Connect / OAuth 2.0 provider) linked to the account. */
export interface LinkedProvider {
  provider: string;
  name: string;
  email: string | null;
  linkedAt: Date;
}

/** A configured provider the account has not linked yet (the page offers "Link"). */
export interface LinkableProvider {
  provider: string;
  name: string;
}

/** The one place the account page asks for the account's linked providers (src/federation). */
@Injectable()
export class LinkedProvidersService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly federation: FederationService,
  ) {}

  async list(userId: string): Promise<LinkedProvider[]> {
    const names = new Map(this.config.authProviders.map((p) => [p.id, p.name]));
    return (await this.federation.list(userId)).map((identity) => ({
      provider: identity.provider,
      // A provider removed from AUTH_PROVIDERS still shows (and can be unlinked) under its id.
      name: names.get(identity.provider) ?? identity.provider,
      email: identity.email,
      linkedAt: identity.createdAt,
    }));
  }

  linkable(linked: LinkedProvider[]): LinkableProvider[] {
    const have = new Set(linked.map((p) => p.provider));
    return this.config.authProviders.filter((p) => !have.has(p.id)).map((p) => ({ provider: p.id, name: p.name }));
  }
}
