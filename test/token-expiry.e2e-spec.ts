import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { resetDatabase, startApp, TEST_JWT_SECRET, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const key = new TextEncoder().encode(TEST_JWT_SECRET);

/** The genuine token's claims and header, re-signed with the server's key after `change`. */
function resign(token: string, change: Record<string, number>): Promise<string> {
  const { kid } = decodeProtectedHeader(token);
  return new SignJWT({ ...decodeJwt(token), ...change })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...(kid ? { kid } : {}) })
    .sign(key);
}

async function waitUntilSecond(second: number): Promise<void> {
  while (nowSeconds() < second) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('access-token expiry is exact (clock tolerance only on nbf and iat)', () => {
  let t: TestApp;
  let http: Client;
  let token: string;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
    token = (await registerAndLogin(http, 'expiry@example.com')).tokens.access_token;
  });
  afterAll(() => t.close());

  it('accepts the genuine token and a correctly signed copy of it', async () => {
    expect((await http.get('/users/me', { token })).status).toBe(200);
    expect((await http.get('/users/me', { token: await resign(token, {}) })).status).toBe(200);
  });

  it('refuses a token whose exp was one second ago (within the old 5 s tolerance)', async () => {
    const expired = await resign(token, { exp: nowSeconds() - 1 });
    const res = await http.get('/users/me', { token: expired });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });

  it('refuses a token whose exp is this very second', async () => {
    const exp = nowSeconds();
    const expiring = await resign(token, { exp });
    const res = await http.get('/users/me', { token: expiring });
    // The request may cross into the next second, never back.
    expect(res.status).toBe(401);
  });

  it('excuses a signer clock a few seconds ahead on nbf and iat (JWT_CLOCK_TOLERANCE, default 5 s)', async () => {
    const ahead = await resign(token, { nbf: nowSeconds() + 3, iat: nowSeconds() + 3 });
    expect((await http.get('/users/me', { token: ahead })).status).toBe(200);
  });

  it('refuses nbf or iat further ahead than the tolerance', async () => {
    expect((await http.get('/users/me', { token: await resign(token, { nbf: nowSeconds() + 30 }) })).status).toBe(401);
    expect((await http.get('/users/me', { token: await resign(token, { iat: nowSeconds() + 30 }) })).status).toBe(401);
  });
});

describe('a token in the verified-token cache expires exactly too', () => {
  let t: TestApp;
  let http: Client;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ ACCESS_TOKEN_TTL: '2s' });
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('answers 200 while it lives, then 401 from one second after its exp on', async () => {
    const token = (await registerAndLogin(http, 'cached-expiry@example.com')).tokens.access_token;
    const { exp } = decodeJwt(token);
    // Verified once: the later requests are answered from the cache.
    expect((await http.get('/users/me', { token })).status).toBe(200);
    await waitUntilSecond(exp! + 1);
    expect((await http.get('/users/me', { token })).status).toBe(401);
    expect((await http.get('/users/me', { token })).status).toBe(401);
  });
});

describe('JWT_CLOCK_TOLERANCE=0', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ JWT_CLOCK_TOLERANCE: '0' });
  });
  afterAll(() => t.close());

  it('refuses a token whose nbf is in the future', async () => {
    const http = client(t.url);
    const token = (await registerAndLogin(http, 'no-tolerance@example.com')).tokens.access_token;
    expect((await http.get('/users/me', { token: await resign(token, { nbf: nowSeconds() + 3 }) })).status).toBe(401);
  });
});
