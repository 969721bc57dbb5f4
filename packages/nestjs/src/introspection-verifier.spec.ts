import { createServer, type Server } from 'node:http';
import { IntrospectionVerifier } from './introspection-verifier.js';
import type { WardenAuthOptions } from './options.js';
import { InvalidTokenError, VerifierUnavailableError } from './token-verifier.js';

const ISSUER = 'https://auth.example.com';

/** A stand-in for Warden's introspection endpoint that counts calls and answers what it is told. */
function fakeWarden() {
  const state = { calls: 0, bodies: [] as string[], status: 200, answer: {} as Record<string, unknown>, delayMs: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      state.calls++;
      state.bodies.push(`${req.headers.authorization} ${body}`);
      setTimeout(() => {
        res.writeHead(state.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(state.answer));
      }, state.delayMs);
    });
  });
  return { state, server };
}

describe('IntrospectionVerifier', () => {
  const { state, server } = fakeWarden();
  let url: string;
  let clock = 1_000_000_000_000;
  const now = () => clock;
  const active = (claims: Record<string, unknown> = {}) => ({
    active: true,
    token_type: 'bearer',
    iss: ISSUER,
    aud: 'warden',
    sub: 'user-1',
    scope: 'profile',
    exp: Math.floor(clock / 1000) + 900,
    ...claims,
  });
  const verifier = (introspection: Partial<NonNullable<WardenAuthOptions['introspection']>> = {}) =>
    new IntrospectionVerifier(
      {
        issuer: ISSUER,
        audience: 'warden',
        mode: 'introspect',
        introspection: { url, secret: 's3cret', ...introspection },
      },
      now,
    );

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/auth/introspect`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    Object.assign(state, { calls: 0, bodies: [], status: 200, answer: active(), delayMs: 0 });
  });

  it('sends the token with the bearer secret and reuses an active answer for the cache TTL only', async () => {
    const v = verifier({ cacheTtlSeconds: 5 });
    expect((await v.verify('tok-a')).sub).toBe('user-1');
    expect(state.bodies).toEqual(['Bearer s3cret token=tok-a&token_type_hint=access_token']);
    clock += 4_900;
    await v.verify('tok-a');
    expect(state.calls).toBe(1);
    clock += 200;
    state.answer = { active: false };
    await expect(v.verify('tok-a')).rejects.toThrow(InvalidTokenError);
    expect(state.calls).toBe(2);
  });

  it('asks every time when the cache TTL is 0', async () => {
    const v = verifier({ cacheTtlSeconds: 0 });
    await v.verify('tok-b');
    await v.verify('tok-b');
    expect(state.calls).toBe(2);
  });

  it('never keeps an inactive answer longer than the active TTL', async () => {
    state.answer = { active: false };
    const v = verifier({ cacheTtlSeconds: 2, negativeCacheTtlSeconds: 60 });
    await expect(v.verify('tok-c')).rejects.toThrow(InvalidTokenError);
    clock += 1_900;
    await expect(v.verify('tok-c')).rejects.toThrow(InvalidTokenError);
    expect(state.calls).toBe(1);
    clock += 200;
    state.answer = active();
    await expect(v.verify('tok-c')).resolves.toMatchObject({ sub: 'user-1' });
    expect(state.calls).toBe(2);
  });

  it('shares one call among concurrent requests with the same token', async () => {
    state.delayMs = 50;
    const v = verifier();
    const results = await Promise.all([v.verify('tok-d'), v.verify('tok-d'), v.verify('tok-d')]);
    expect(results.map((p) => p.sub)).toEqual(['user-1', 'user-1', 'user-1']);
    expect(state.calls).toBe(1);
  });

  it('refuses active answers for a refresh token, another issuer or another audience', async () => {
    const v = verifier({ cacheTtlSeconds: 0 });
    const refresh = { active: true, sub: 'user-1', iss: ISSUER, exp: Math.floor(clock / 1000) + 900 };
    for (const answer of [refresh, active({ iss: 'https://evil.example.com' }), active({ aud: 'billing-api' })]) {
      state.answer = answer;
      await expect(v.verify('tok-e')).rejects.toThrow(InvalidTokenError);
    }
    state.answer = active({ aud: ['billing-api', 'warden'] });
    await expect(v.verify('tok-e')).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('reports Warden errors as unavailable and does not cache them', async () => {
    state.status = 500;
    const v = verifier();
    await expect(v.verify('tok-f')).rejects.toThrow(VerifierUnavailableError);
    state.status = 200;
    await expect(v.verify('tok-f')).resolves.toMatchObject({ sub: 'user-1' });
    expect(state.calls).toBe(2);
  });

  it('reports an unreachable Warden as unavailable', async () => {
    const v = new IntrospectionVerifier({
      issuer: ISSUER,
      audience: 'warden',
      mode: 'introspect',
      introspection: { url: 'http://127.0.0.1:1/auth/introspect', secret: 's3cret' },
    });
    await expect(v.verify('tok-g')).rejects.toThrow(VerifierUnavailableError);
  });

  it('stops accepting a cached answer once the token itself expires', async () => {
    state.answer = active({ exp: Math.floor(clock / 1000) + 2 });
    const v = verifier({ cacheTtlSeconds: 60 });
    await v.verify('tok-h');
    clock += 2_500;
    state.answer = { active: false };
    await expect(v.verify('tok-h')).rejects.toThrow(InvalidTokenError);
  });
});
