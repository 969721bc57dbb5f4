import {
  base64url,
  type CryptoKey,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  importPKCS8,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { resetDatabase, startApp, TEST_JWT_SECRET, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';

const PASSWORD = 'correct horse battery staple';
const INTROSPECTION_SECRET = 'introspection-secret-0123456789-abcdefghij';

function pemPair(kind: 'rsa' | 'ec'): { privateKey: string; publicKey: string } {
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  return kind === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding, publicKeyEncoding })
    : generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding, publicKeyEncoding });
}

const b64 = (value: unknown) => base64url.encode(JSON.stringify(value));
const now = () => Math.floor(Date.now() / 1000);

interface Server {
  alg: 'HS256' | 'RS256' | 'ES256';
  env: Record<string, string>;
  /** The server's own signing key, for forgeries that are correctly signed but otherwise wrong. */
  signingKey: () => Promise<Uint8Array | CryptoKey>;
  publicPem?: string;
}

const rsa = pemPair('rsa');
const ec = pemPair('ec');
const servers: Array<[string, Server]> = [
  ['HS256', { alg: 'HS256', env: {}, signingKey: () => Promise.resolve(new TextEncoder().encode(TEST_JWT_SECRET)) }],
  [
    'RS256',
    {
      alg: 'RS256',
      env: { JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: rsa.privateKey },
      signingKey: () => importPKCS8(rsa.privateKey, 'RS256'),
      publicPem: rsa.publicKey,
    },
  ],
  [
    'ES256',
    {
      alg: 'ES256',
      env: { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: ec.privateKey },
      signingKey: () => importPKCS8(ec.privateKey, 'ES256'),
      publicPem: ec.publicKey,
    },
  ],
];

/**
 * RFC 8725 attacks on the access token, on each signing algorithm: every forged, stale, foreign
 * or oversized token is refused with 401 (bearer or cookie), introspects as inactive, and never
 * causes a 5xx. Basic cases are also in users-me and keys e2e; this is the full table.
 */
describe.each(servers)('JWT attacks on a %s server', (_name, server) => {
  let t: TestApp;
  let http: Client;
  let token: string;
  let claims: JWTPayload;
  let kid: string;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ ...server.env, INTROSPECTION_SECRET });
    http = client(t.url);
    const email = `target-${server.alg}@example.com`;
    expect((await http.post('/auth/register', { json: { email, password: PASSWORD } })).status).toBe(201);
    const res = await http.post('/auth/token', {
      form: { grant_type: 'password', username: email, password: PASSWORD },
    });
    token = res.body.access_token;
    claims = decodeJwt(token);
    kid = decodeProtectedHeader(token).kid!;
  });
  afterAll(() => t.close());

  /** Correctly signed by the server's own key, with these claims and header changes. */
  const signed = async (overrides: JWTPayload, header: Record<string, unknown> = {}) =>
    new SignJWT({ ...claims, ...overrides })
      .setProtectedHeader({ alg: server.alg, typ: 'at+jwt', kid, ...header })
      .sign(await server.signingKey());
  const unsigned = (header: Record<string, unknown>, payload: JWTPayload = claims) => `${b64(header)}.${b64(payload)}.`;

  async function attacks(): Promise<Array<[string, string]>> {
    const [h, p, s] = token.split('.');
    const attacker = pemPair('rsa');
    const attackerJwk = await exportJWK(await importPKCS8(attacker.privateKey, 'RS256', { extractable: true }));
    const cases: Array<[string, string]> = [
      ['alg none', unsigned({ alg: 'none', typ: 'at+jwt', kid })],
      ['alg None without kid', unsigned({ alg: 'None', typ: 'at+jwt' })],
      ['alg NONE with a signature', `${b64({ alg: 'NONE', typ: 'at+jwt', kid })}.${p}.${s}`],
      ['the signature stripped', `${h}.${p}.`],
      ['a wrong audience', await signed({ aud: 'another-service' })],
      ['a wrong issuer', await signed({ iss: 'https://evil.example' })],
      ['an expired token', await signed({ iat: now() - 7200, exp: now() - 3600 })],
      ['nbf in the future', await signed({ nbf: now() + 3600 })],
      ['no sid claim', await signed({ sid: undefined })],
      ['a wrong typ', await signed({}, { typ: 'JWT' })],
      ['a tampered payload (roles: admin)', `${h}.${b64({ ...claims, roles: ['user', 'admin'] })}.${s}`],
      ['a tampered sub', `${h}.${b64({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })}.${s}`],
      ['an unknown kid', await signed({}, { kid: 'not-a-key' })],
      ['kid ../../dev/null', await signed({}, { kid: '../../dev/null' })],
      ['kid /etc/passwd', await signed({}, { kid: '/etc/passwd' })],
      ['kid with a NUL and traversal', await signed({}, { kid: '../../../../etc/passwd\u0000' })],
      ["kid ' OR '1'='1", await signed({}, { kid: "' OR '1'='1" })],
      ['kid as an object', await signed({}, { kid: { $ne: null } })],
      ['no kid', await signed({}, { kid: undefined })],
      [
        'an attacker key embedded as jwk',
        await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', jwk: attackerJwk })
          .sign(await importPKCS8(attacker.privateKey, 'RS256')),
      ],
      [
        'an attacker key referenced by jku and x5u',
        await new SignJWT(claims)
          .setProtectedHeader({
            alg: 'RS256',
            typ: 'at+jwt',
            kid,
            jku: 'https://evil.example/jwks',
            x5u: 'https://evil.example/c',
          })
          .sign(await importPKCS8(attacker.privateKey, 'RS256')),
      ],
      ['garbage', 'not.a.jwt'],
      ['four segments', `${token}.extra`],
      ['an 8 KiB token of garbage', `${h}.${'A'.repeat(8192 - h.length - 2)}.${s}`],
      // Correctly signed by the server's own key, but 8 KiB: refused before any parsing.
      ['an 8 KiB correctly signed token', await signed({ pad: 'x'.repeat(6000) })],
    ];
    if (server.publicPem) {
      // HS/RS confusion: "HS256" signed with the published public key (PEM text) as the secret.
      const pem = new TextEncoder().encode(server.publicPem);
      cases.push(
        [
          'HS256 signed with the public key PEM',
          await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid }).sign(pem),
        ],
        [
          'HS256 with the PEM and no kid',
          await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(pem),
        ],
      );
    } else {
      // The reverse on an HS256 server: an asymmetric token from a key the attacker owns.
      cases.push([
        'RS256 signed by an attacker under the server kid',
        await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid })
          .sign(await importPKCS8(attacker.privateKey, 'RS256')),
      ]);
    }
    return cases;
  }

  it('accepts the genuine token (the attacks below start from it)', async () => {
    expect((await http.get('/users/me', { token })).status).toBe(200);
    expect((await signed({})).length).toBeLessThan(4096);
    expect((await http.get('/users/me', { token: await signed({ jti: 'forged-but-valid' }) })).status).toBe(200);
  });

  it('refuses every attack with 401 as bearer and as cookie, and introspects it as inactive', async () => {
    const cases = await attacks();
    expect(cases.length).toBeGreaterThanOrEqual(25);
    const oversized = cases.filter(([name]) => name.startsWith('an 8 KiB'));
    for (const [, forged] of oversized) expect(forged.length).toBeGreaterThanOrEqual(8192);
    for (const [name, forged] of cases) {
      const bearer = await http.get('/users/me', { token: forged });
      expect({ name, status: bearer.status }).toEqual({ name, status: 401 });
      expect(bearer.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');
      expect(bearer.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      const cookie = await http.get('/auth/sessions', {
        headers: { cookie: `access_token=${encodeURIComponent(forged)}` },
      });
      expect({ name, status: cookie.status }).toEqual({ name, status: 401 });
      const logout = await http.post('/auth/logout', { token: forged });
      expect({ name, status: logout.status }).toEqual({ name, status: 401 });
      const introspected = await http.post('/auth/introspect', {
        form: { token: forged },
        headers: { authorization: `Bearer ${INTROSPECTION_SECRET}` },
      });
      expect({ name, status: introspected.status, body: introspected.body }).toEqual({
        name,
        status: forged.length > 8192 ? 400 : 200,
        body: forged.length > 8192 ? expect.any(Object) : { active: false },
      });
      const revoked = await http.post('/auth/revoke', { form: { token: forged } });
      expect({ name, status: revoked.status }).toEqual({ name, status: 200 });
    }
    // None of it touched the genuine session.
    expect((await http.get('/users/me', { token })).status).toBe(200);
  });
});
