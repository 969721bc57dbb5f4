import { Injectable } from '@nestjs/common';
import { isKnownScope, OIDC_SCOPES, SCOPES } from '../auth/scopes.js';
import { ClientsService, type NewClient } from '../clients/clients.service.js';
import { CLIENT_GRANTS, type ClientGrant } from '../clients/dto/client.dto.js';
import { validateRedirectUri } from '../clients/redirect-uris.js';
import { type ParsedArgs, stringFlag } from './args.js';
import { UsageError } from './user.commands.js';

const USAGE =
  'client:create needs --name N --redirect-uri U [--redirect-uri U2] [--confidential] [--first-party] ' +
  '[--grant client_credentials] [--scope S]';

const list = (args: ParsedArgs, name: string): string[] =>
  (args.values[name] ?? []).flatMap((value) => value.split(/[\s,]+/)).filter(Boolean);

/**
 * `client:create`, checked before the database opens. Redirect URIs bring the authorization_code
 * (and refresh_token) grant; `--grant` adds others; `--scope` (repeatable, or space-separated)
 * replaces the default scopes.
 */
export function clientInput(args: ParsedArgs): NewClient {
  const name = stringFlag(args, 'name');
  if (!name || name.length > 100) throw new UsageError(USAGE);
  const redirectUris = args.values['redirect-uri'] ?? [];
  for (const uri of redirectUris) {
    const problem = validateRedirectUri(uri);
    if (problem) throw new UsageError(`--redirect-uri ${uri}: ${problem}`);
  }
  const extra = list(args, 'grant');
  const unknownGrant = extra.find((grant) => !(CLIENT_GRANTS as readonly string[]).includes(grant));
  if (unknownGrant) throw new UsageError(`--grant ${unknownGrant}: one of ${CLIENT_GRANTS.join(', ')}`);
  const base: ClientGrant[] = redirectUris.length > 0 ? ['authorization_code', 'refresh_token'] : [];
  const grantTypes = [...new Set([...base, ...(extra as ClientGrant[])])];
  if (grantTypes.length === 0) throw new UsageError(USAGE);
  const scopes = list(args, 'scope');
  const unknownScope = scopes.find((scope) => !isKnownScope(scope));
  if (unknownScope) {
    throw new UsageError(
      `--scope ${unknownScope}: one of ${[...Object.keys(OIDC_SCOPES), ...Object.keys(SCOPES)].join(', ')}`,
    );
  }
  return {
    name,
    type: args.flags.confidential === true ? 'confidential' : 'public',
    redirectUris,
    grantTypes,
    scopes: scopes.length > 0 ? scopes : undefined,
    firstParty: args.flags['first-party'] === true,
  };
}

@Injectable()
export class ClientCommands {
  constructor(private readonly clients: ClientsService) {}

  /** Prints the client_id and, for a confidential client, its secret: the only time it is shown. */
  async create(input: NewClient): Promise<string> {
    const { client, secret } = await this.clients.create(input);
    const lines = [
      `client_id: ${client.id}`,
      `type: ${client.type}`,
      `grant_types: ${client.grantTypes.join(' ')}`,
      `scopes: ${client.scopes.join(' ')}`,
    ];
    if (secret) lines.push(`client_secret: ${secret}`, 'Store the secret now: it is not shown again.');
    return lines.join('\n');
  }
}
