import { SessionsService } from '../src/sessions/sessions.service.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';

/** The value of one sample line (`name{labels} value`), or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Scrapes until `done` holds (the outbox dispatcher reports asynchronously), at most 10 s. */
async function waitForScrape(scrape: () => Promise<string>, done: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 10_000;
  let text = await scrape();
  while (!done(text) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    text = await scrape();
  }
  return text;
}

describe('GET /metrics', () => {
  let t: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ METRICS_TOKEN });
    http = client(t.url);
  });
  afterAll(() => t.close());

  const scrape = async () => {
    const res = await http.get('/metrics', { token: METRICS_TOKEN });
    expect(res.status).toBe(200);
    return res.text;
  };

  it('needs the METRICS_TOKEN bearer when it is set', async () => {
    const missing = await http.get('/metrics');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="warden"');
    const wrong = await http.get('/metrics', { token: 'not-the-scrape-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');
    // An access token is not a scrape token.
    const { tokens } = await registerAndLogin(http, 'scraper@example.com');
    expect((await http.get('/metrics', { token: tokens.access_token })).status).toBe(401);

    const ok = await http.get('/metrics', { token: METRICS_TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('counts requests and their latency by route and status', async () => {
    const { tokens } = await registerAndLogin(http, 'counted@example.com');
    for (let i = 0; i < 3; i += 1)
      expect((await http.get('/users/me', { token: tokens.access_token })).status).toBe(200);
    expect((await http.get('/users/me')).status).toBe(401);
    const text = await scrape();
    expect(
      sample(text, 'warden_http_requests_total{method="GET",route="/users/me",status="200"}'),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sample(text, 'warden_http_requests_total{method="GET",route="/users/me",status="401"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'warden_http_request_duration_seconds_count{method="GET",route="/users/me",status="200"}'),
    ).toBeGreaterThanOrEqual(3);
    expect(text).toContain(
      'warden_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/users/me",status="200"}',
    );
  });

  it('counts logins by outcome', async () => {
    const before = await scrape();
    const success = sample(before, 'warden_logins_total{outcome="success"}')!;
    const failure = sample(before, 'warden_logins_total{outcome="failure"}')!;
    await registerAndLogin(http, 'outcome@example.com');
    const wrong = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'outcome@example.com', password: 'wrong password here' },
    });
    expect(wrong.status).toBe(400);
    const unknown = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'nobody@example.com', password: 'wrong password here' },
    });
    expect(unknown.status).toBe(400);
    const after = await scrape();
    expect(sample(after, 'warden_logins_total{outcome="success"}')).toBe(success + 1);
    expect(sample(after, 'warden_logins_total{outcome="failure"}')).toBe(failure + 2);
    expect(sample(after, 'warden_logins_total{outcome="locked"}')).toBe(0);
  });

  it('exposes session revocations, delivered outbox mail and the process metrics', async () => {
    const sentBefore = sample(await scrape(), 'warden_outbox_sent_total') ?? 0;
    const { user } = await registerAndLogin(http, 'revoked@example.com');
    const second = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'revoked@example.com', password: 'correct horse battery staple' },
    });
    expect(second.status).toBe(200);
    const revoked = await t.app.get(SessionsService).revokeAllForUser(user.id, 'password_change');
    expect(revoked).toBe(2);

    // The registration's verification mail goes through the outbox (log transport here).
    const text = await waitForScrape(scrape, (m) => (sample(m, 'warden_outbox_sent_total') ?? 0) > sentBefore);
    expect(sample(text, 'warden_session_revocations_total{reason="password_change"}')).toBe(revoked);
    expect(sample(text, 'warden_outbox_depth')).toBe(0);
    for (const series of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(sample(text, series)).toBeGreaterThanOrEqual(0);
    }
  });

  it('is not part of the OpenAPI document', async () => {
    const doc = await http.get('/docs-json');
    expect(Object.keys(doc.body.paths)).not.toContain('/metrics');
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  it('is open (keep it on an internal network)', async () => {
    const t = await startApp();
    try {
      const res = await client(t.url).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.text).toContain('warden_http_requests_total');
    } finally {
      await t.close();
    }
  });
});

describe('GET /metrics while SMTP is down', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    // Port 9 (discard) on loopback: nothing listens, every send fails at once.
    t = await startApp({
      METRICS_TOKEN,
      SMTP_URL: 'smtp://127.0.0.1:9',
      MAIL_POLL_INTERVAL_MS: '100',
      MAIL_RETRY_BASE_MS: '60000',
    });
  });
  afterAll(() => t.close());

  it('counts the failed delivery and shows the mail waiting in the outbox', async () => {
    const http = client(t.url);
    const scrape = async () => (await http.get('/metrics', { token: METRICS_TOKEN })).text;
    expect(
      (await http.post('/auth/register', { json: { email: 'queued@example.com', password: 'a fine long passphrase' } }))
        .status,
    ).toBe(201);
    const text = await waitForScrape(
      scrape,
      (m) => (sample(m, 'warden_outbox_failures_total') ?? 0) >= 1 && (sample(m, 'warden_outbox_depth') ?? 0) >= 1,
    );
    expect(sample(text, 'warden_outbox_failures_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'warden_outbox_depth')).toBe(1);
    expect(sample(text, 'warden_outbox_sent_total')).toBe(0);
  });
});
