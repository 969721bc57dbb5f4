import { client, type Client } from './support/http.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';

describe('HTTP hygiene', () => {
  let t: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const echoed = await http.get('/health/live', { headers: { 'x-request-id': 'abc-123_X.y' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123_X.y');
    const replaced = await http.get('/health/live', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await http.get('/health/live', { headers: { 'x-request-id': 'a'.repeat(129) } });
    expect(tooLong.headers.get('x-request-id')).not.toBe('a'.repeat(129));
  });

  it('answers 413 in the error shape for a body over 64 KiB', async () => {
    const res = await http.post('/auth/register', {
      json: { email: 'big@example.com', password: 'x'.repeat(70 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      statusCode: 413,
      error: 'Payload Too Large',
      request_id: res.headers.get('x-request-id'),
    });
  });

  it('answers 415 for text/plain, XML, and a form body on a JSON-only route', async () => {
    for (const type of ['text/plain', 'application/xml']) {
      const res = await http.post('/auth/register', { raw: 'hello', headers: { 'content-type': type } });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
    }
  });

  it('answers 400 for malformed JSON without echoing parser internals', async () => {
    const res = await http.post('/auth/register', {
      raw: '{"email": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.text).not.toMatch(/at \w+ \(|node_modules|SyntaxError/);
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    const res = await http.get('/nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found', request_id: expect.any(String) });
  });

  it('reports liveness and database readiness', async () => {
    expect((await http.get('/health/live')).body).toEqual({ status: 'ok' });
    const ready = await http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('serves Swagger UI and an OpenAPI document with every route, the OAuth2 password flow and bearer auth', async () => {
    const ui = await http.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    const doc = (await http.get('/docs-json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/auth/register',
      '/auth/token',
      '/users/me',
      '/health/live',
      '/health/ready',
      '/.well-known/jwks.json',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.components.securitySchemes.oauth2.flows.password).toMatchObject({
      tokenUrl: '/auth/token',
      scopes: expect.objectContaining({ profile: expect.any(String), 'users:read': expect.any(String) }),
    });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/auth/token'].post.requestBody.content).toHaveProperty('application/x-www-form-urlencoded');
  });

  it('publishes RFC 8414 metadata and an empty JWKS under HS256', async () => {
    expect((await http.get('/.well-known/jwks.json')).body).toEqual({ keys: [] });
    const meta = (await http.get('/.well-known/oauth-authorization-server')).body;
    expect(meta).toMatchObject({
      issuer: 'http://localhost:3000',
      token_endpoint: 'http://localhost:3000/auth/token',
      jwks_uri: 'http://localhost:3000/.well-known/jwks.json',
      grant_types_supported: [
        'password',
        'refresh_token',
        'urn:warden:params:oauth:grant-type:mfa-otp',
        'urn:warden:params:oauth:grant-type:mfa-recovery-code',
        'urn:warden:params:oauth:grant-type:passkey',
        'urn:warden:params:oauth:grant-type:mfa-passkey',
        'authorization_code',
        'client_credentials',
      ],
      scopes_supported: ['profile', 'users:read', 'users:write', 'clients:read', 'clients:write'],
    });
  });
});
