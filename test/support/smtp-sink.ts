import { SMTPServer } from 'smtp-server';
import { decodeEncodedWords, leafParts, parseHeaders } from './mime.js';

export interface ReceivedMail {
  /** Envelope recipients. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
  receivedAt: number;
}

/**
 * A real SMTP server in the test process (port 0), collecting every message it accepts.
 * stop() and start() again keep the port, so a test can take "SMTP" down and bring it back.
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  /** Delay before a message is accepted (a slow server), in ms. */
  delayMs = 0;
  private server?: SMTPServer;
  private port = 0;

  static async start(): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await sink.start();
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      closeTimeout: 100,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          setTimeout(() => {
            this.messages.push(this.parse(Buffer.concat(chunks).toString('utf8'), session.envelope));
            callback();
          }, this.delayMs);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as { port: number }).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Messages whose envelope includes `address`. */
  to(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to.includes(address.toLowerCase()));
  }

  /** Resolves with the `count`-th message to `address` (1-based), failing after `timeoutMs`. */
  async waitFor(address: string, count = 1, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.to(address);
      if (found.length >= count) return found[count - 1];
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no mail #${count} to ${address} within ${timeoutMs} ms (got ${this.to(address).length})`);
  }

  private parse(raw: string, envelope: { mailFrom: false | { address: string }; rcptTo: Array<{ address: string }> }) {
    const headers = parseHeaders(raw);
    const parts = leafParts(raw);
    return {
      to: envelope.rcptTo.map((r) => r.address.toLowerCase()),
      from: decodeEncodedWords(headers.from ?? ''),
      subject: decodeEncodedWords(headers.subject ?? ''),
      text: parts['text/plain'] ?? '',
      html: parts['text/html'] ?? '',
      raw,
      receivedAt: Date.now(),
    };
  }
}

/** Sleeps, for "nothing more arrives" checks. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** App environment that sends through the sink, with short outbox timings so tests stay fast. */
export function mailEnv(sink: SmtpSink, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    SMTP_URL: sink.url,
    MAIL_FROM: 'Warden Test <warden@test.example>',
    MAIL_POLL_INTERVAL_MS: '100',
    MAIL_RETRY_BASE_MS: '100',
    ...overrides,
  };
}

/** The 6-digit code in a verification or email-change mail. */
export function codeIn(mail: ReceivedMail): string {
  const match = /code is: (\d+)|enter this code: (\d+)/.exec(mail.text);
  if (!match) throw new Error(`no code in mail: ${mail.text}`);
  return match[1] ?? match[2];
}

/** Log lines that contain any of `secrets` (digits-only secrets match as whole numbers). */
export function linesWithSecrets(logs: string[], secrets: string[]): string[] {
  const patterns = secrets.map((s) =>
    /^\d+$/.test(s) ? new RegExp(`(?<!\\d)${s}(?!\\d)`) : new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
  );
  return logs.filter((line) => patterns.some((p) => p.test(line)));
}
