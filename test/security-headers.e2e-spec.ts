import { decodeJwt } from 'jose';
import { AuditService } from '../src/audit/audit.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type HttpResult } from './support/http.js';

const API_CSP = "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'";

function expectSecurityHeaders(res: HttpResult): void {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(res.headers.get('x-powered-by')).toBeNull();
}

describe('security headers and transport (APP_URL http, CORS_ORIGINS set)', () => {
  let t: TestApp;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ CORS_ORIGINS: 'https://app.example.com' });
  });
  afterAll(() => t.close());

  it('sends a no-content CSP and the helmet headers on API answers, errors included; no HSTS over http', async () => {
    const http = client(t.url);
    for (const res of [
      await http.get('/health/live'),
      await http.get('/users/me'),
      await http.post('/auth/token', { form: { grant_type: 'password', username: 'x', password: 'y' } }),
      await http.get('/no/such/route'),
    ]) {
      expectSecurityHeaders(res);
      expect(res.headers.get('content-security-policy')).toBe(API_CSP);
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('lets Swagger UI load its own scripts and styles only', async () => {
    const res = await client(t.url).get('/docs');
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self'");
    // The page only references scripts of this origin (no inline script to allow).
    expect(res.text).not.toMatch(/<script>(?!\s*<\/script>)/);
  });

  it('answers CORS only for CORS_ORIGINS, with credentials', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.url}/users/me`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await client(t.url).get('/health/live', { headers: { origin: 'https://evil.example' } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('ignores X-Forwarded-For without TRUST_PROXY: the session and the audit log hold the peer address', async () => {
    expect(await recordedIps(t, 'direct@example.com')).toEqual({ session: '127.0.0.1', audit: '127.0.0.1' });
  });

  it('bounds request and idle times on the server', () => {
    const server = t.app.getHttpServer();
    expect(server.requestTimeout).toBe(30_000);
    expect(server.keepAliveTimeout).toBe(72_000);
    expect(server.timeout).toBe(80_000);
    expect(server.headersTimeout).toBeLessThanOrEqual(30_000);
  });
});

/** Logs in with X-Forwarded-For: 203.0.113.5; returns the IP recorded in the session and the audit log. */
async function recordedIps(t: TestApp, email: string): Promise<{ session: string; audit: string }> {
  const http = client(t.url);
  expect((await http.post('/auth/register', { json: { email, password: PASSWORD } })).status).toBe(201);
  const res = await http.post('/auth/token', {
    form: { grant_type: 'password', username: email, password: PASSWORD },
    headers: { 'x-forwarded-for': '203.0.113.5', 'user-agent': 'proxy-test/1.0' },
  });
  expect(res.status).toBe(200);
  const sessions = await http.get('/auth/sessions', { token: res.body.access_token });
  expect(sessions.body).toEqual([expect.objectContaining({ user_agent: 'proxy-test/1.0' })]);
  await t.app.get(AuditService).flush();
  const [event] = await t.dataSource.query(
    `SELECT ip, session_id FROM auth_events WHERE type = 'login_success' AND session_id = $1`,
    [decodeJwt(res.body.access_token).sid],
  );
  return { session: sessions.body[0].ip, audit: event.ip };
}

describe('behind a proxy (TRUST_PROXY=true, https APP_URL)', () => {
  let t: TestApp;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ TRUST_PROXY: 'true', APP_URL: 'https://auth.example.com' });
  });
  afterAll(() => t.close());

  it('sends Strict-Transport-Security for a year, subdomains included', async () => {
    const res = await client(t.url).get('/health/live');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('records the X-Forwarded-For client in the session and the audit log', async () => {
    expect(await recordedIps(t, 'proxied@example.com')).toEqual({ session: '203.0.113.5', audit: '203.0.113.5' });
  });
});
