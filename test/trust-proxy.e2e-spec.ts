import { decodeJwt } from 'jose';
import { AuditService } from '../src/audit/audit.service.js';
import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client } from './support/http.js';

/** Logs in with the given X-Forwarded-For; the IP recorded in the session and in the audit log. */
async function recordedIps(t: TestApp, email: string, forwardedFor: string) {
  const http = client(t.url);
  expect((await http.post('/auth/register', { json: { email, password: PASSWORD } })).status).toBe(201);
  const res = await http.post('/auth/token', {
    form: { grant_type: 'password', username: email, password: PASSWORD },
    headers: { 'x-forwarded-for': forwardedFor },
  });
  expect(res.status).toBe(200);
  const sessions = await http.get('/auth/sessions', { token: res.body.access_token });
  expect(sessions.body).toHaveLength(1);
  await t.app.get(AuditService).flush();
  const [event] = await t.dataSource.query(
    `SELECT ip FROM auth_events WHERE type = 'login_success' AND session_id = $1`,
    [decodeJwt(res.body.access_token).sid],
  );
  return { session: sessions.body[0].ip as string, audit: event.ip as string };
}

/** Statuses of `count` sequential (malformed, so cheap) POST /auth/forgot-password with the X-Forwarded-For `header(i)`. */
async function forgotBurst(t: TestApp, count: number, header: (i: number) => string): Promise<number[]> {
  const http = client(t.url);
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await http.post('/auth/forgot-password', {
      json: { email: 'not an email' },
      headers: { 'x-forwarded-for': header(i) },
    });
    statuses.push(res.status);
    if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  }
  return statuses;
}

describe('TRUST_PROXY=1 (one proxy in front)', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ TRUST_PROXY: '1', RATE_LIMIT_ENABLED: 'true' });
  });
  afterAll(() => t.close());

  it('takes the rightmost X-Forwarded-For entry: a forged leftmost entry changes nothing', async () => {
    expect(await recordedIps(t, 'one-hop@example.com', '6.6.6.6, 203.0.113.7')).toEqual({
      session: '203.0.113.7',
      audit: '203.0.113.7',
    });
  });

  it('counts the per-IP limit on the real client: rotating forged leftmost entries does not escape it', async () => {
    const statuses = await forgotBurst(t, 31, (i) => `6.6.${i}.6, 203.0.113.70`);
    expect(statuses).toEqual([...Array(30).fill(400), 429]);
    // Another real client (same forged prefix) has its own count.
    expect(await forgotBurst(t, 1, () => '6.6.0.6, 203.0.113.71')).toEqual([400]);
  });
});

describe('TRUST_PROXY=2 (two proxies in front)', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ TRUST_PROXY: '2' });
  });
  afterAll(() => t.close());

  it('takes the second entry from the right', async () => {
    expect(await recordedIps(t, 'two-hops@example.com', '6.6.6.6, 203.0.113.8, 10.9.9.9')).toEqual({
      session: '203.0.113.8',
      audit: '203.0.113.8',
    });
  });
});

describe('TRUST_PROXY as a list of proxy addresses/CIDRs', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' });
  });
  afterAll(() => t.close());

  it('skips the trusted proxies from the right and takes the first untrusted address', async () => {
    expect(await recordedIps(t, 'cidr@example.com', '6.6.6.6, 203.0.113.9, 10.1.2.3, 10.200.0.1')).toEqual({
      session: '203.0.113.9',
      audit: '203.0.113.9',
    });
  });
});

describe('TRUST_PROXY=true means one hop', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ TRUST_PROXY: 'true' });
  });
  afterAll(() => t.close());

  it('takes the rightmost entry, not the forgeable leftmost one', async () => {
    expect(await recordedIps(t, 'true-hop@example.com', '6.6.6.6, 203.0.113.10')).toEqual({
      session: '203.0.113.10',
      audit: '203.0.113.10',
    });
  });
});
