import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';

type Responses = Record<string, { content?: { 'application/json'?: { schema?: { $ref?: string } } } }>;
interface Operation {
  responses: Responses;
  security?: unknown[];
  requestBody?: unknown;
  parameters?: unknown[];
}

const ERROR = '#/components/schemas/ErrorResponseDto';
const OAUTH_ERROR = '#/components/schemas/OAuthErrorResponseDto';
/** Every route under the per-IP limit. */
const RATE_LIMITED = [
  'post /auth/register',
  'post /auth/token',
  'post /auth/login',
  'post /auth/refresh',
  'post /auth/verify-email',
  'post /auth/verify-email/resend',
  'post /auth/forgot-password',
  'put /users/me/password',
  'post /users/me/email',
  'delete /users/me',
  'post /auth/mfa/totp',
  'post /auth/mfa/totp/confirm',
  'post /auth/mfa/recovery-codes',
];
/** Their 400 and 429 are RFC 6749 bodies. */
const OAUTH_SHAPED = ['post /auth/token', 'post /auth/revoke'];

function operations(document: { paths: Record<string, Record<string, Operation>> }): Array<[string, Operation]> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
      .map(([method, operation]): [string, Operation] => [`${method} ${path}`, operation]),
  );
}

/** What an operation lacks: `status (why)` for each missing or wrongly shaped error response. */
function missingErrors(name: string, op: Operation): string[] {
  const expected = new Map<string, string>([['500', 'everywhere']]);
  if ((op.security?.length ?? 0) > 0) expected.set('401', 'protected');
  if (op.requestBody !== undefined || (op.parameters?.length ?? 0) > 0) expected.set('400', 'validated input');
  if (op.requestBody !== undefined) {
    expected.set('413', 'accepts a body');
    expected.set('415', 'accepts a body');
  }
  if (RATE_LIMITED.includes(name)) expected.set('429', 'rate-limited');
  const problems: string[] = [];
  for (const [status, why] of expected) {
    if (!op.responses[status]) problems.push(`${name}: no ${status} (${why})`);
  }
  for (const [status, response] of Object.entries(op.responses)) {
    if (Number(status) < 400) continue;
    const schema = response.content?.['application/json']?.schema?.$ref;
    // The token endpoint's 401 is RFC 6749's invalid_client, shaped like its other errors.
    const oauth =
      OAUTH_SHAPED.includes(name) &&
      (status === '400' || status === '429' || (name === 'post /auth/token' && status === '401'));
    if (schema !== (oauth ? OAUTH_ERROR : ERROR)) problems.push(`${name}: ${status} has schema ${schema}`);
  }
  return problems;
}

describe('API documentation URLs and the OpenAPI document', () => {
  let t: TestApp;
  let http: Client;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('GET / redirects to the sign-in page', async () => {
    const res = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login');
  });

  it('serves /openapi.json: the same document as /docs-json', async () => {
    const docsJson = await http.get('/docs-json');
    const openapi = await http.get('/openapi.json');
    expect(openapi.status).toBe(200);
    expect(openapi.headers.get('content-type')).toMatch(/^application\/json/);
    expect(openapi.body).toEqual(docsJson.body);
    expect(openapi.body.info.title).toBe('Warden');
  });

  it('serves /redoc with ReDoc from this origin under the docs CSP', async () => {
    const page = await http.get('/redoc');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('<redoc spec-url="/openapi.json">');
    expect(page.text).toContain('<script src="/redoc/redoc.standalone.js">');
    expect(page.text).not.toMatch(/https?:\/\//);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("frame-ancestors 'none'");
    const script = await http.get('/redoc/redoc.standalone.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(script.text.length).toBeGreaterThan(500_000);
    expect(script.text).not.toContain('https://cdn.');
    // The API's own strict policy everywhere else.
    expect((await http.get('/openapi.json')).headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('documents every operation with its error responses and the error schema', async () => {
    const document = (await http.get('/docs-json')).body;
    const ops = operations(document);
    expect(ops.length).toBeGreaterThan(25);
    expect(ops.flatMap(([name, op]) => missingErrors(name, op))).toEqual([]);
    // Every rate-limited route exists in the document (the list above is not stale).
    expect(RATE_LIMITED.filter((name) => !ops.some(([n]) => n === name))).toEqual([]);
  });

  it('documents the two-factor routes with examples and their own error answers', async () => {
    const document = (await http.get('/docs-json')).body;
    const paths = document.paths;
    expect(Object.keys(paths['/auth/mfa/totp'])).toContain('post');
    expect(paths['/auth/mfa/totp'].post.responses['201']).toBeDefined();
    expect(paths['/auth/mfa/totp/confirm'].post.responses['400'].content['application/json'].example).toMatchObject({
      message: 'Invalid code',
    });
    expect(paths['/auth/mfa/totp/confirm'].post.responses['404']).toBeDefined();
    expect(paths['/auth/mfa'].get.responses['200'].content['application/json'].example).toMatchObject({
      enabled: true,
    });
    expect(paths['/auth/mfa/factors/{id}'].delete.responses['404']).toBeDefined();
    expect(paths['/auth/mfa/recovery-codes'].post.responses['409']).toBeDefined();
    expect(paths['/users/{id}/mfa'].delete.responses['404']).toBeDefined();
    for (const path of ['/auth/mfa/totp', '/auth/mfa/totp/confirm']) {
      expect(Object.keys(paths[path].post.requestBody.content)).toEqual(
        expect.arrayContaining(['application/json', 'application/x-www-form-urlencoded']),
      );
    }
    const schemas = document.components.schemas;
    expect(schemas.UserDto.properties.mfa_enabled).toMatchObject({ type: 'boolean' });
    expect(schemas.TotpEnrolmentDto.properties.otpauth_uri.example).toMatch(/^otpauth:\/\/totp\/Warden:/);
  });
});
