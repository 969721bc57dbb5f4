import { createWardenClient, MemoryTokenStorage, type TokenStorage } from '@warden/client';

export interface DeviceLoginOptions {
  baseUrl: string;
  username: string;
  password: string;
  /** Where the tokens are kept; with none, the session is signed out at the end. */
  storage?: TokenStorage;
}

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/**
 * Signs in with the password grant, calls GET /users/me, refreshes, and says what happened;
 * never prints a token. Returns the exit code.
 */
export async function deviceLogin(options: DeviceLoginOptions, output: Output): Promise<number> {
  const keep = options.storage !== undefined;
  const warden = createWardenClient({ baseUrl: options.baseUrl, storage: options.storage ?? new MemoryTokenStorage() });

  const { tokens, mfa, error } = await warden.login(options.username, options.password);
  if (error) {
    output.err(`Sign-in failed: ${error.error} (${error.error_description})`);
    return 1;
  }
  if (mfa) {
    output.err(`Sign-in needs a second factor (${mfa.methods.join(', ')}), which this example does not ask for`);
    return 1;
  }
  output.out(`Signed in to ${options.baseUrl} (scope: ${tokens.scope}; access token valid ${tokens.expires_in} s)`);

  const me = await warden.api.GET('/users/me');
  if (!me.data) {
    output.err(`GET /users/me failed: ${me.response.status}`);
    return 1;
  }
  output.out(`GET /users/me: ${me.response.status} ${JSON.stringify(me.data)}`);

  const renewed = await warden.refresh();
  if (!renewed) {
    output.err('Refresh failed: the session is over');
    return 1;
  }
  const rotated = renewed.refresh_token !== tokens.refresh_token;
  output.out(
    `Refreshed: new access token valid ${renewed.expires_in} s; refresh token ${rotated ? 'rotated' : 'NOT rotated'}`,
  );

  if (keep) {
    output.out('Session kept in the token file');
  } else {
    await warden.logout();
    output.out('Signed out');
  }
  return rotated ? 0 : 1;
}
