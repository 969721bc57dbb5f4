import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';
import { keyTablesChecksum, leaksIn, prototypeSnapshot, sentText } from './support/fuzz/oracle.js';
import { type FuzzRequest, type OpenApiDocument, operationsOf, requestArb } from './support/fuzz/requests.js';

/** At least this many generated requests per run (FUZZ_RUNS overrides); FUZZ_SEED replays a run. */
const TARGET = Number(process.env.FUZZ_RUNS || 5200);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomBytes(4).readUInt32BE() >>> 1;
const INTROSPECTION_SECRET = 'fuzz-introspection-secret-0123456789abcdef';
/** Not any example of the OpenAPI document: the fuzzer must not stumble on the real passwords. */
const PASSWORD = `fuzz-${randomBytes(12).toString('hex')}`;
const GARBAGE_BEARERS = ['eyJhbGciOiJub25lIn0.e30.', 'Bearer', `${'a'.repeat(5000)}.b.c`, '..', 'null'];
/** Routes whose success can end the fuzzer's own sessions (or change its accounts). */
const SESSION_ENDING =
  /^(POST \/auth\/(logout|revoke)|DELETE \/auth\/sessions|PUT \/users\/me|DELETE \/users|PATCH \/users\/\{)/;

interface Credentials {
  user: string;
  admin: string;
  cookie: string;
}

describe('fuzzing every route of the OpenAPI document', () => {
  let t: TestApp;
  let http: Client;
  let victimId: string;
  let creds: Credentials;

  async function signIn(): Promise<Credentials> {
    const token = async (username: string) => {
      const res = await http.post('/auth/token', { form: { grant_type: 'password', username, password: PASSWORD } });
      if (res.status !== 200) throw new Error(`fuzz sign-in failed: ${res.status} ${res.text}`);
      return res.body.access_token as string;
    };
    const cookie = await http.post('/auth/login', {
      json: { email: 'fuzz-user@example.com', password: PASSWORD },
      headers: { origin: 'http://localhost:3000' },
    });
    const accessCookie = /access_token=([^;]+)/.exec(cookie.headers.get('set-cookie') ?? '')?.[1];
    if (!accessCookie) throw new Error('fuzz cookie sign-in failed');
    return {
      user: await token('fuzz-user@example.com'),
      admin: await token('fuzz-admin@example.com'),
      cookie: accessCookie,
    };
  }

  async function send(request: FuzzRequest): Promise<{ status: number; text: string }> {
    const headers = { ...request.headers };
    if (request.auth === 'user') headers.authorization = `Bearer ${creds.user}`;
    if (request.auth === 'admin') headers.authorization = `Bearer ${creds.admin}`;
    if (request.auth === 'garbage')
      headers.authorization = `Bearer ${GARBAGE_BEARERS[request.url.length % GARBAGE_BEARERS.length]}`;
    if (request.auth === 'cookie') headers.cookie = `access_token=${creds.cookie}; refresh_token=${'x'.repeat(43)}`;
    const hasBody = request.body !== undefined && request.method !== 'GET';
    const res = await fetch(t.url + request.url, {
      method: request.method,
      headers,
      body: hasBody ? request.body : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, text: await res.text() };
  }

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({
      RATE_LIMIT_ENABLED: 'false',
      LOGIN_MAX_FAILURES: '1000',
      // Cheap hashing: thousands of logins and registrations in a couple of minutes.
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      INTROSPECTION_SECRET,
    });
    http = client(t.url);
    for (const email of ['fuzz-user@example.com', 'fuzz-admin@example.com', 'fuzz-victim@example.com']) {
      const res = await http.post('/auth/register', { json: { email, password: PASSWORD } });
      if (email.includes('victim')) victimId = res.body.id;
    }
    await t.dataSource.query(`UPDATE users SET roles = '{user,admin}' WHERE email = 'fuzz-admin@example.com'`);
    creds = await signIn();
  });
  afterAll(() => t.close());

  // Each of these was a 500 before the fuzzer found it; they stay as plain regression tests.
  it.each([
    ['POST', '/auth/register', 'a 64 KiB body of nested arrays', '['.repeat(20_000) + ']'.repeat(20_000)],
    ['POST', '/users/me/email', 'objects nested 5,000 deep', '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)],
    ['POST', '/auth/forgot-password', 'an email with a lone surrogate', '{"email":"a\\ud800@example.com"}'],
    ['PATCH', '/users/me', 'a lone surrogate in a key', '{"\\udc00":"x"}'],
    [
      'POST',
      '/auth/login',
      'an email that is an array, beside a username',
      '{"email":[],"username":"bob","password":"x"}',
    ],
    [
      'POST',
      '/auth/login',
      'a NUL in the email (Postgres refuses NUL in text)',
      '{"email":"a\\u0000b@x.org","password":"x"}',
    ],
    ['PATCH', '/users/me', 'a NUL in the display name', '{"display_name":"a\\u0000b"}'],
    ['GET', '/users?email=a%00b', 'a NUL in a query parameter', undefined],
  ])('answers 400 to %s %s with %s', async (method, path, _what, raw) => {
    const res = await fetch(t.url + path, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${method === 'GET' ? creds.admin : creds.user}`,
        origin: 'http://localhost:3000',
      },
      body: raw,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it(`sends ≥ ${TARGET} hostile requests: never a 5xx, a leak, a row changed by a 4xx, or a polluted prototype`, async () => {
    const operations = operationsOf((await (await fetch(`${t.url}/docs-json`)).json()) as OpenApiDocument);
    expect(operations.length).toBeGreaterThanOrEqual(25);
    const runsPerOperation = Math.ceil(TARGET / operations.length);
    const prototypes = prototypeSnapshot();
    const statuses = new Map<number, number>();
    let requests = 0;
    let refusalsChecked = 0;
    let before: string | undefined;
    const started = performance.now();
    console.log(
      `[fuzz] seed ${SEED} (replay with FUZZ_SEED=${SEED}); ${operations.length} operations × ${runsPerOperation} runs`,
    );

    for (const [index, operation] of operations.entries()) {
      const name = `${operation.method} ${operation.path}`;
      const run = await fc.check(
        fc.asyncProperty(requestArb(operation, { id: victimId, email: 'fuzz-victim@example.com' }), async (request) => {
          before ??= await keyTablesChecksum(t.dataSource);
          const res = await send(request);
          requests++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const context = `${name} → ${res.status}: ${res.text.slice(0, 300)}`;
          if (res.status >= 500) throw new Error(`5xx from ${context}`);
          const leaks = leaksIn(res.text, sentText(request));
          if (leaks.length > 0) throw new Error(`leak from ${context}: ${leaks.join('; ')}`);
          if (prototypeSnapshot() !== prototypes) throw new Error(`prototype polluted by ${context}`);
          if (res.status >= 400) {
            const after = await keyTablesChecksum(t.dataSource);
            if (after !== before) throw new Error(`a refused request changed rows: ${context}`);
            refusalsChecked++;
          } else {
            before = undefined;
            if (SESSION_ENDING.test(name)) creds = await signIn();
          }
        }),
        { numRuns: runsPerOperation, seed: SEED + index, endOnFailure: true },
      );
      // fast-check's own report would print a 64 KiB counterexample in full.
      if (run.failed) {
        const example = JSON.stringify(run.counterexample?.[0]).slice(0, 1500);
        throw new Error(
          `${String(run.errorInstance)}\nreplay: FUZZ_SEED=${SEED} (operation ${index}: seed ${run.seed}, path ${run.counterexamplePath})\nrequest: ${example}`,
        );
      }
    }

    const seconds = Math.round((performance.now() - started) / 100) / 10;
    const byClass = [2, 3, 4, 5].map((c) => {
      const n = [...statuses].filter(([s]) => Math.floor(s / 100) === c).reduce((sum, [, k]) => sum + k, 0);
      return `${c}xx ${n}`;
    });
    console.log(
      `[fuzz] ${requests} requests in ${seconds} s (seed ${SEED}): ${byClass.join(', ')}; 0 5xx, 0 leaks, ` +
        `0 rows changed by ${refusalsChecked} refused requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(requests).toBeGreaterThanOrEqual(TARGET);
    expect(statuses.get(500) ?? 0).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 600_000);
});
