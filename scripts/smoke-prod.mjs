/**
 * `npm run smoke:prod` (CI, after the build): the production bundle (dist/warden.mjs, as
 * `npm run start:prod` runs it) on a throwaway embedded database, through the paths that load
 * what the bundle leaves outside (argon2, PGlite, Swagger UI's and ReDoc's files, the hosted pages'
 * templates and assets): ready, docs, /login and its assets, register,
 * password grant, /users/me, refresh grant, SIGTERM → exit 0. Prints the start-to-ready time.
 * NODE_ENV stays unset, as the bundle defaults to production.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'warden-smoke-'));
const started = Date.now();
// NODE_ENV is left unset: the bundle must default to production (checked through /metrics below).
const { NODE_ENV: _ignored, ...inherited } = process.env;
const child = spawn(
  process.execPath,
  ['--max-semi-space-size=4', '--max-old-space-size=256', '--require', './dist/src/threadpool.cjs', 'dist/warden.mjs'],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      APP_URL: base,
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      REDIS_URL: '',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      SMTP_URL: 'smtp://127.0.0.1:9',
      AUTH_REQUIRE_EMAIL_VERIFICATION: 'false',
      LOG_LEVEL: 'warn',
    },
  },
);
const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`  ok  ${message}`);
}

async function call(path, init = {}) {
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (the Swagger UI page)
  }
  return { status: res.status, body };
}

const form = (fields) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

try {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before it was ready`);
    if (Date.now() - started > 30_000) throw new Error('not ready within 30 s');
    const ready = await fetch(`${base}/health/ready`).catch(() => undefined);
    if (ready?.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  console.log(`production bundle: ready ${Date.now() - started} ms after spawn (embedded database)`);
  check((await call('/metrics')).status === 404, 'GET /metrics 404 (production by default, no METRICS_TOKEN)');
  check((await call('/docs')).status === 200, 'GET /docs 200 (Swagger UI)');
  check((await call('/docs/swagger-ui.css')).status === 200, 'GET /docs/swagger-ui.css 200 (swagger-ui-dist files)');
  const docs = await call('/docs-json');
  check(docs.status === 200 && '/auth/token' in docs.body.paths, 'GET /docs-json 200 with /auth/token');
  const openapi = await call('/openapi.json');
  check(
    openapi.status === 200 && JSON.stringify(openapi.body) === JSON.stringify(docs.body),
    'GET /openapi.json 200, the same document',
  );
  const redoc = await call('/redoc');
  check(redoc.status === 200 && redoc.body.includes('<redoc spec-url="/openapi.json">'), 'GET /redoc 200 (ReDoc page)');
  const redocScript = await call('/redoc/redoc.standalone.js');
  check(
    redocScript.status === 200 && redocScript.body.length > 500_000,
    'GET /redoc/redoc.standalone.js 200 (redoc bundle found from dist)',
  );
  const root = await fetch(`${base}/`, { redirect: 'manual' });
  check(root.status === 302 && root.headers.get('location') === '/login', 'GET / 302 → /login');
  const login = await fetch(`${base}/login`);
  const loginPage = await login.text();
  check(
    login.status === 200 &&
      login.headers.get('content-type')?.startsWith('text/html') &&
      loginPage.includes('<form method="post" action="/login"') &&
      /name="_csrf" value="[\w-]{43}"/.test(loginPage) &&
      login.headers.get('content-security-policy')?.includes("script-src 'self'"),
    'GET /login 200: the sign-in page from the bundle (templates found from dist/)',
  );
  for (const asset of [
    'pico.classless.min.css',
    'theme.css',
    'warden.css',
    'simplewebauthn-browser.js',
    'passkey-button.js',
    'account.css',
    'account-passkey.js',
  ]) {
    const res = await fetch(`${base}/assets/${asset}`);
    const size = (await res.arrayBuffer()).byteLength;
    check(res.status === 200 && size > 100, `GET /assets/${asset} 200 (${size} bytes)`);
  }
  const email = 'smoke@example.com';
  const password = 'correct horse battery staple';
  const registered = await call('/auth/register', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  check(registered.status === 201, 'POST /auth/register 201 (argon2)');
  const tokens = await call('/auth/token', form({ grant_type: 'password', username: email, password }));
  check(tokens.status === 200 && tokens.body.token_type === 'bearer', 'password grant 200');
  const me = await call('/users/me', { headers: { authorization: `Bearer ${tokens.body.access_token}` } });
  check(me.status === 200 && me.body.email === email, 'GET /users/me 200 with the user');
  // The account page of a cookie login: its template and partials found from dist/ too.
  const cookieLogin = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password }),
  });
  const cookies = cookieLogin.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const account = await fetch(`${base}/account`, { headers: { cookie: cookies } });
  const accountPage = await account.text();
  check(
    account.status === 200 && accountPage.includes('Your account') && accountPage.includes('id="two-factor"'),
    'GET /account 200 after a cookie login (the account page and its partials from the bundle)',
  );
  const refreshed = await call(
    '/auth/token',
    form({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token }),
  );
  check(
    refreshed.status === 200 && refreshed.body.refresh_token !== tokens.body.refresh_token,
    'refresh grant 200, rotated',
  );
  child.kill('SIGTERM');
  check((await exited) === 0, 'SIGTERM → exit code 0');
} catch (error) {
  console.error(`production bundle smoke test FAILED: ${error.message}`);
  child.kill('SIGKILL');
  process.exitCode = 1;
} finally {
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}
