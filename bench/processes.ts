import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port nobody listens on right now (the child binds it a moment later). */
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

/** Resident set size of a process in MiB, from /proc (Linux); undefined elsewhere or once it exited. */
export function rssMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process used so far, in ms, from /proc (Linux; clock ticks of 10 ms). */
export function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/**
 * Samples VmRSS every 100 ms; `peak()` is the highest value seen since the last `reset()`, and
 * `cpuSinceReset()` the CPU time the process used meanwhile (a figure the noise of other
 * processes on the machine distorts much less than req/s).
 */
export class RssSampler {
  private max = 0;
  private cpuAtReset = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
    this.reset();
  }

  private sample(): void {
    const rss = rssMiB(this.pid);
    if (rss !== undefined && rss > this.max) this.max = rss;
  }

  reset(): void {
    this.max = 0;
    this.cpuAtReset = cpuMs(this.pid) ?? 0;
    this.sample();
  }

  cpuSinceReset(): number {
    return (cpuMs(this.pid) ?? this.cpuAtReset) - this.cpuAtReset;
  }

  peak(): number {
    this.sample();
    return this.max;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface Child {
  process: ChildProcess;
  pid: number;
  /** The last lines the child wrote (stdout and stderr), for error messages. */
  tail(): string;
  /** Bytes the child wrote to stdout (its JSON log). */
  stdoutBytes(): number;
  stop(): Promise<number | null>;
}

/** Spawns a node process; its output is drained (a log line costs the child the same as in production with a pipe). */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let bytes = 0;
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    keep(chunk);
  });
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    pid: child.pid!,
    tail: () => lines.join('\n'),
    stdoutBytes: () => bytes,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls `url` until it answers 200; returns the milliseconds since `startedAt`. */
export async function waitReady(url: string, child: Child, startedAt: bigint, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null)
      throw new Error(`process exited (${child.process.exitCode}):\n${child.tail()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return Number(process.hrtime.bigint() - startedAt) / 1e6;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms:\n${child.tail()}`);
}
