import { Injectable } from '@nestjs/common';

/** An upstream sign-in (OpenID Connect / OAuth 2.0 provider) linked to the account. */
export interface LinkedProvider {
  provider: string;
  name: string;
  email: string | null;
  linkedAt: Date;
}

/**
 * The one place the account page asks for the account's linked providers. Federation is not
 * built yet, so there are none; when it is, this returns its identities and the page shows them.
 */
@Injectable()
export class LinkedProvidersService {
  list(_userId: string): Promise<LinkedProvider[]> {
    return Promise.resolve([]);
  }
}
