import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Server } from 'oauth2-mock-server';

export const IDP_CLIENT_ID = 'warden-test-client';
export const IDP_CLIENT_SECRET = 'idp-client-secret-value';
export const GITHUB_CLIENT_SECRET = 'github-client-secret-value';

/** Claims to put into (or take out of) the next id_tokens of the mock IdP, and header changes. */
export interface TokenTweak {
  claims?: Record<string, unknown>;
  drop?: string[];
  kid?: string;
}

/**
 * A real OpenID provider on loopback (oauth2-mock-server): discovery, JWKS with an RS256 key,
 * authorization code + PKCE, id_tokens signed with the key and carrying our nonce. Its authorize
 * endpoint redirects straight back (no login form). `tweak` changes the id_tokens it signs.
 */
export async function startIdp() {
  const server = new OAuth2Server();
  // keys.generate() would refuse the JWK that node:crypto exports (an object of another realm under
  // jest's VM modules): the same RS256 key, made here and copied into this realm.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = JSON.parse(JSON.stringify(privateKey.export({ format: 'jwk' }))) as Record<string, string>;
  await server.issuer.keys.add({ ...jwk, kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' });
  await server.start(0, '127.0.0.1');
  const state: { tweak: TokenTweak; denyNext: boolean } = { tweak: {}, denyNext: false };
  server.service.on(
    'beforeTokenSigning',
    (token: { header: Record<string, unknown>; payload: Record<string, unknown> }) => {
      // Only the id_token: the mock's access tokens carry `scope`, its id_tokens `aud` = our client_id.
      if (token.payload.aud === IDP_CLIENT_ID && !('scope' in token.payload)) {
        Object.assign(token.payload, state.tweak.claims ?? {});
        for (const name of state.tweak.drop ?? []) delete token.payload[name];
        if (state.tweak.kid) token.header.kid = state.tweak.kid;
      }
    },
  );
  server.service.on('beforeAuthorizeRedirect', (redirect: { url: URL }) => {
    if (!state.denyNext) return;
    state.denyNext = false;
    redirect.url.searchParams.delete('code');
    redirect.url.searchParams.set('error', 'access_denied');
  });
  return {
    server,
    issuer: server.issuer.url!,
    /** The next id_tokens get these changes (until reset). */
    tweak(next: TokenTweak) {
      state.tweak = next;
    },
    denyNext() {
      state.denyNext = true;
    },
    reset() {
      state.tweak = {};
      state.denyNext = false;
    },
    stop: () => server.stop(),
  };
}

export type Idp = Awaited<ReturnType<typeof startIdp>>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
    req.on('end', () => resolve(data));
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export interface GithubAccount {
  id: number;
  login: string;
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
}

/**
 * A GitHub-shaped fake on loopback: /login/oauth/authorize (redirects straight back with a code),
 * /login/oauth/access_token (checks the client secret and PKCE S256), and the API's /user and
 * /user/emails for the access token it issued.
 */
export async function startGithub(account: GithubAccount) {
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const tokens = new Set<string>();
  const current = { account };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
        const code = randomBytes(16).toString('hex');
        const redirectUri = url.searchParams.get('redirect_uri')!;
        codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', redirectUri });
        const back = new URL(redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        const body = new URLSearchParams(await readBody(req));
        const basic = req.headers.authorization?.startsWith('Basic ')
          ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString().split(':')
          : null;
        const secret = body.get('client_secret') ?? (basic ? decodeURIComponent(basic[1]) : null);
        const entry = codes.get(body.get('code') ?? '');
        codes.delete(body.get('code') ?? '');
        const verifier = body.get('code_verifier') ?? '';
        const s256 = createHash('sha256').update(verifier).digest('base64url');
        if (secret !== GITHUB_CLIENT_SECRET || !entry || entry.challenge !== s256) {
          return json(res, 200, { error: 'bad_verification_code' });
        }
        const token = `gho_${randomBytes(16).toString('hex')}`;
        tokens.add(token);
        return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
      }
      const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      if (!tokens.has(bearer)) return json(res, 401, { message: 'Bad credentials' });
      if (req.method === 'GET' && url.pathname === '/user') {
        return json(res, 200, { id: current.account.id, login: current.account.login });
      }
      if (req.method === 'GET' && url.pathname === '/user/emails') return json(res, 200, current.account.emails);
      json(res, 404, { message: 'Not Found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    use(next: GithubAccount) {
      current.account = next;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type Github = Awaited<ReturnType<typeof startGithub>>;

/** The AUTH_PROVIDERS value for the tests: a trusted and an untrusted entry on the mock IdP, and GitHub. */
export function providersEnv(idp: Idp, github?: Github): string {
  const entries: unknown[] = [
    {
      id: 'idp',
      name: 'Test IdP',
      type: 'oidc',
      issuer: idp.issuer,
      client_id: IDP_CLIENT_ID,
      client_secret: IDP_CLIENT_SECRET,
      trust_email: true,
    },
    {
      id: 'plain',
      name: 'Untrusted IdP',
      type: 'oidc',
      issuer: idp.issuer,
      client_id: IDP_CLIENT_ID,
      client_secret: IDP_CLIENT_SECRET,
    },
  ];
  if (github) {
    entries.push({
      id: 'github',
      name: 'GitHub',
      type: 'github',
      client_id: 'gh-client',
      client_secret: GITHUB_CLIENT_SECRET,
      trust_email: true,
      authorization_endpoint: `${github.base}/login/oauth/authorize`,
      token_endpoint: `${github.base}/login/oauth/access_token`,
      api_url: github.base,
    });
  }
  return JSON.stringify(entries);
}

export interface Hop {
  status: number;
  location: string | null;
  setCookie: string[];
  text: string;
}

/**
 * A browser for the flows: keeps cookies per host (names only: the paths are not modelled,
 * sending a cookie to more paths of the same host changes nothing here) and does not follow
 * redirects, so each hop can be checked.
 */
export class Browser {
  readonly jar = new Map<string, Map<string, string>>();

  constructor(private readonly appUrl: string) {}

  cookies(host: string): Map<string, string> {
    let found = this.jar.get(host);
    if (!found) {
      found = new Map();
      this.jar.set(host, found);
    }
    return found;
  }

  cookie(name: string): string | undefined {
    return this.cookies(new URL(this.appUrl).host).get(name);
  }

  async request(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Hop> {
    const target = new URL(url, this.appUrl);
    const jar = this.cookies(target.host);
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const res = await fetch(target, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
      body: init.body,
    });
    const setCookie = res.headers.getSetCookie();
    for (const raw of setCookie) {
      const [pair, ...attrs] = raw.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attrs.some((a) => /^max-age=0$/i.test(a) || /^expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), setCookie, text: await res.text() };
  }
}

/**
 * The provider hop: follows the IdP's (or fake GitHub's) authorize redirect and answers the
 * callback URL it sends the browser to, moved from APP_URL (which the app believes it is) to
 * where the test app listens.
 */
export async function throughProvider(browser: Browser, authorizationUrl: string, appUrl: string): Promise<string> {
  const atProvider = await browser.request(authorizationUrl);
  if (atProvider.status !== 302 || !atProvider.location) {
    throw new Error(`provider answered ${atProvider.status}: ${atProvider.text}`);
  }
  const back = new URL(atProvider.location);
  const local = new URL(appUrl);
  back.protocol = local.protocol;
  back.host = local.host;
  return back.href;
}

/** start → provider → the callback URL (not requested yet). */
export async function startAndAuthorize(
  browser: Browser,
  appUrl: string,
  provider: string,
  returnTo?: string,
): Promise<{ start: Hop; callbackUrl: string }> {
  const query = returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : '';
  const start = await browser.request(`${appUrl}/auth/providers/${provider}/start${query}`);
  if (start.status !== 302 || !start.location) throw new Error(`start answered ${start.status}: ${start.text}`);
  return { start, callbackUrl: await throughProvider(browser, start.location, appUrl) };
}
