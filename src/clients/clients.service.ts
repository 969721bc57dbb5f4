import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OAuthClient } from './oauth-client.entity.js';
import { isLoopbackHost, redirectUriMatches } from './redirect-uris.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isClientId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The registered OAuth clients: look-ups for the provider's endpoints and pages. */
@Injectable()
export class ClientsService {
  constructor(@InjectRepository(OAuthClient) private readonly clients: Repository<OAuthClient>) {}

  /** The client, or null when there is none with that id (a malformed id included). */
  find(clientId: string): Promise<OAuthClient | null> {
    if (!isClientId(clientId)) return Promise.resolve(null);
    return this.clients.findOne({ where: { id: clientId } });
  }

  /** Whether some client registered `uri` as a redirect URI (exact; loopback: any port). */
  async isRegisteredRedirectUri(uri: string): Promise<boolean> {
    if (typeof uri !== 'string' || uri.length === 0 || uri.length > 2000) return false;
    const exact = await this.clients
      .createQueryBuilder('c')
      .where('c.redirect_uris @> ARRAY[:uri]::text[]', { uri })
      .getExists();
    if (exact) return true;
    const host = loopbackHostOf(uri);
    if (!host) return false;
    const candidates = await this.clients
      .createQueryBuilder('c')
      .select(['c.id', 'c.redirectUris'])
      .where(`EXISTS (SELECT 1 FROM unnest(c.redirect_uris) r WHERE starts_with(r, :prefix))`, {
        prefix: `http://${host}`,
      })
      .getMany();
    return candidates.some((client) => redirectUriMatches(client.redirectUris, uri));
  }
}

function loopbackHostOf(uri: string): string | null {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && isLoopbackHost(url.hostname) ? url.hostname : null;
  } catch {
    return null;
  }
}
