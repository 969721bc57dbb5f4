import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { serverStates } from '../../deploy/processes.mjs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function call(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, backend: res.headers.get('x-backend'), body: text ? JSON.parse(text) : undefined };
}

/** A request on a connection of its own (optionally from another loopback address). */
export function rawCall(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string },
): Promise<{ status: number; backend: string | undefined; body: any }> {
  return new Promise((resolve, reject) => {
    const { body, ...init } = options;
    const req = httpRequest(url, { ...init, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        const backend = res.headers['x-backend'];
        resolve({
          status: res.statusCode!,
          backend: backend as string | undefined,
          body: text.startsWith('{') ? JSON.parse(text) : text,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** When HAProxy's status page first shows `state` for the instance (within 30 s). */
export async function waitState(statsUrl: string, name: string, state: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const seen = (await serverStates(statsUrl))[name];
    if (seen?.startsWith(state)) return Date.now();
    if (Date.now() > deadline) throw new Error(`${name} is ${seen}, not ${state}, after 30 s`);
    await sleep(25);
  }
}

export interface LogLine {
  server: string;
  status: number;
  method: string;
  /** Retried on another instance (the retries field of the log starts with "+"). */
  redispatched: boolean;
}

/** HAProxy's request log (option httplog): `… warden warden/w2 0/0/0/-1/6 502 … "POST /auth/token HTTP/1.1"`. */
export function haproxyLog(logFile: string): LogLine[] {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  return lines.flatMap((line) => {
    const match = / warden warden\/(\w+) \S+ (-?\d+) \d+ \S+ \S+ \S+ [^ ]+\/(\+?)\d+ \S+ "(\w+) /.exec(line);
    return match
      ? [{ server: match[1], status: Number(match[2]), redispatched: match[3] === '+', method: match[4] }]
      : [];
  });
}
