import { PASSWORD } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client } from './support/http.js';

async function waitForLine(logs: string[], pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = logs.find((l) => pattern.test(l));
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no log line matching ${pattern}:\n${logs.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const isJson = (line: string) => {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

describe('development: readable logs and mail (NODE_ENV=development, no SMTP_URL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ NODE_ENV: 'development', AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' });
  });
  afterAll(() => t.close());

  it('logs human-readable lines, and prints a mail as a block with the code on its own line', async () => {
    const http = client(t.url);
    expect(
      (await http.post('/auth/register', { json: { email: 'newcomer@example.com', password: PASSWORD } })).status,
    ).toBe(201);
    await waitForLine(t.logs, /│ Subject: Your Warden verification code/);
    const start = t.logs.findIndex((l) => l.includes('Mail (log transport'));
    const block = t.logs.slice(start, start + 30);
    expect(block[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*\[Mail\] Mail \(log transport; set SMTP_URL to send it\)$/,
    );
    expect(block).toContain('│ To:      newcomer@example.com');
    const codeLine = block.find((l) => /^│ .*\b\d{6}\b/.test(l));
    expect(codeLine).toBeDefined();
    // The code is the one stored (hashed) for the account: the newcomer can use it.
    const code = /\b(\d{6})\b/.exec(codeLine!)![1];
    const verified = await http.post('/auth/verify-email', { json: { email: 'newcomer@example.com', code } });
    expect(verified.status).toBe(200);
    // Nothing is a JSON line: everything went through pino-pretty.
    expect(t.logs.filter(isJson)).toEqual([]);
    expect(t.logs.some((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO/.test(l))).toBe(true);
  });
});

describe('LOG_FORMAT overrides the default', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('LOG_FORMAT=json in development: JSON lines, the mail body a field', async () => {
    await resetDatabase();
    t = await startApp({ NODE_ENV: 'development', LOG_FORMAT: 'json' });
    const http = client(t.url);
    expect(
      (await http.post('/auth/register', { json: { email: 'json-dev@example.com', password: PASSWORD } })).status,
    ).toBe(201);
    const line = await waitForLine(t.logs, /Mail \(log transport\)/);
    expect(JSON.parse(line)).toMatchObject({ to: 'json-dev@example.com', body: expect.stringMatching(/\d{6}/) });
    expect(t.logs.every(isJson)).toBe(true);
  });

  it('LOG_FORMAT=pretty outside development: readable lines', async () => {
    await resetDatabase();
    t = await startApp({ LOG_FORMAT: 'pretty' });
    expect((await client(t.url).get('/health/live')).status).toBe(200);
    expect(t.logs.length).toBeGreaterThan(0);
    expect(t.logs.filter(isJson)).toEqual([]);
  });
});
