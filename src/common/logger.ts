import type { LoggerService } from '@nestjs/common';
import { pino, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';

/** Never written to the log, whatever a caller passes (contract: no secrets in logs). */
const REDACT = [
  'password',
  'new_password',
  'current_password',
  'code',
  'token',
  'access_token',
  'refresh_token',
  'authorization',
  'cookie',
  '*.password',
  '*.new_password',
  '*.current_password',
  '*.code',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
];

/** Bytes of log lines buffered before one write to stdout... */
const LOG_BUFFER_BYTES = 4096;
/** ...and at most this long, so that a quiet server's lines still show up. */
const LOG_FLUSH_MS = 1000;

/**
 * stdout by default, buffered: one write per ~4 KiB instead of one per line. On a busy box each
 * write to the log pipe wakes its reader, and at info level (a line per request) that cost is a
 * sizeable share of a GET /users/me (compare the bench at LOG_LEVEL=info and warn). The
 * buffer is flushed every second and on exit (process.exit, uncaught errors); only a SIGKILL or
 * OOM kill loses its last second.
 */
function bufferedStdout(): pino.DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  setInterval(() => stream.flush(), LOG_FLUSH_MS).unref();
  return stream;
}

/**
 * `pretty`: pino-pretty in-process (a worker transport would not survive the production bundle),
 * one readable line per entry, colours only on a terminal. For people reading a development
 * console; anything that collects logs wants `json`.
 */
function prettyStream(destination?: NodeJS.WritableStream): pino.DestinationStream {
  const target = destination ?? process.stdout;
  return pretty({
    destination: target,
    colorize: (target as NodeJS.WriteStream).isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: false,
    sync: true,
  });
}

export function createPino(
  level: string,
  destination?: NodeJS.WritableStream,
  format: 'json' | 'pretty' = 'json',
): Pino {
  const stream =
    format === 'pretty'
      ? prettyStream(destination)
      : ((destination as pino.DestinationStream | undefined) ?? bufferedStdout());
  return pino(
    {
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

/**
 * The access log: the same stream and level as `root`, without the redaction pass. Redaction with
 * wildcard paths costs ~4x the rest of a log call, and an access line only carries fields the
 * request hook builds itself (ids, route pattern, status, latency): never headers, bodies or URLs.
 */
export function createAccessLogger(root: Pino): Pino {
  const stream = (root as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  return pino({ level: root.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

/** Nest's LoggerService on top of pino, so framework and app logs share one JSON stream. */
export class PinoLoggerService implements LoggerService {
  constructor(readonly pino: Pino) {}

  private write(
    level: 'info' | 'warn' | 'error' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    params: unknown[],
  ): void {
    const context = typeof params[params.length - 1] === 'string' ? (params[params.length - 1] as string) : undefined;
    if (message !== null && typeof message === 'object') {
      const text = typeof params[0] === 'string' && params.length > 1 ? params[0] : undefined;
      this.pino[level]({ context, ...message }, text);
      return;
    }
    if (level === 'error' && typeof params[0] === 'string' && params.length > 1) {
      this.pino.error({ context, stack: params[0] }, String(message));
      return;
    }
    this.pino[level]({ context }, String(message));
  }

  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }
}
