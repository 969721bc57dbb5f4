import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest, type Agent } from 'node:http';
import { createServer } from 'node:net';
import { testEnv } from './app.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  /** Every line the server wrote to stdout (its JSON log) and stderr, in order. */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs the real entry point (src/main.ts, as `npm start` does; src/production.ts is the one of
 * the production bundle) in a child process.
 */
export async function spawnServer(overrides: Record<string, string>, entry = 'src/main.ts'): Promise<ServerProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, ...testEnv({ PORT: String(port), HOST: '127.0.0.1', APP_URL: base, ...overrides }) };
  const child = spawn(
    process.execPath,
    ['--require', './src/threadpool.cjs', '--import', './scripts/swc-loader.mjs', entry],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${lines.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`server not ready:\n${lines.join('\n')}`);
    const ready = await send(base, 'GET', '/health/ready').catch(() => undefined);
    if (ready?.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base, lines, exited };
}

export interface Outcome {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
  /** A transport failure: the code (ECONNREFUSED, ECONNRESET, ...) or `aborted` for a cut response. */
  error?: string;
}

/**
 * One HTTP/1.1 request on its own connection (`Connection: close`, no pooling), so that every
 * failure belongs to exactly one request. Never rejects: failures come back as `error`.
 */
export function send(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; agent?: Agent } = {},
): Promise<Outcome> {
  const url = new URL(path, base);
  return new Promise((done) => {
    let settled = false;
    const resolve = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      done(outcome);
    };
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname,
        agent: options.agent ?? false,
        headers: {
          ...(options.agent ? {} : { connection: 'close' }),
          ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (!res.complete) return resolve({ status: res.statusCode, error: 'aborted', body });
          resolve({ status: res.statusCode, headers: res.headers, body });
        });
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ status: res.statusCode, error: e.code ?? 'aborted' }));
        res.on('close', () => resolve({ status: res.statusCode, error: 'aborted' }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(options.body);
  });
}
