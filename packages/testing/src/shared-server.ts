import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { SHARED_WARDEN_ENV, type SharedInfo, type WireUser } from './shared.js';
import { startWarden, type StartWardenOptions, type Warden } from './start-warden.js';
import type { TestUser } from './users.js';

export interface SharedWarden {
  readonly warden: Warden;
  stop(): Promise<void>;
}

/**
 * For a jest globalSetup: starts one Warden for every test file of the run, plus a small control
 * server on 127.0.0.1 (a random key guards it) through which the test files' connectWarden()
 * reaches the helpers that need the process (users, mail, clock). Sets
 * process.env.WARDEN_TESTING_SHARED, which jest's workers inherit.
 */
export async function startSharedWarden(options: StartWardenOptions = {}): Promise<SharedWarden> {
  const warden = await startWarden(options);
  const users = new Map<string, TestUser>();
  const key = randomBytes(24).toString('base64url');
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => reply(res, 500, { error: (error as Error).message }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const given = Buffer.from(req.headers.authorization ?? '');
    const expected = Buffer.from(`Bearer ${key}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply(res, 401, {});
    const body = JSON.parse(await read(req)) as Record<string, unknown>;
    switch (req.url) {
      case '/users': {
        const user = await warden.createUser(body);
        users.set(user.id, user);
        return reply(res, 200, wire(user));
      }
      case '/users/totp': {
        const user = users.get(String(body.id));
        if (!user) return reply(res, 404, { error: 'enableTotp: not a user of createUser()' });
        return reply(res, 200, wire(await warden.enableTotp(user)));
      }
      case '/mail': {
        const subject = body.subject as { source: string; flags: string } | string | undefined;
        const mail = await warden.mailbox(String(body.email)).next({
          timeout: Number(body.timeout ?? 5000),
          subject: typeof subject === 'object' ? new RegExp(subject.source, subject.flags) : subject,
        });
        return reply(res, 200, mail);
      }
      case '/mail/all':
        return reply(res, 200, await warden.mailbox(String(body.email)).all());
      case '/clock':
        await (body.reset ? warden.clock.reset() : warden.clock.advance(Number(body.advanceMs)));
        return reply(res, 200, { offsetMs: warden.clock.offsetMs });
      default:
        return reply(res, 404, {});
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const info: SharedInfo = {
    url: warden.url,
    issuer: warden.issuer,
    audience: warden.audience,
    introspectionSecret: warden.introspectionSecret,
    control: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    key,
  };
  process.env[SHARED_WARDEN_ENV] = JSON.stringify(info);
  return {
    warden,
    async stop() {
      delete process.env[SHARED_WARDEN_ENV];
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await warden.stop();
    },
  };
}

function wire(user: TestUser): WireUser {
  const { totp, ...rest } = user;
  return totp ? { ...rest, totpLastStep: (totp as { lastStep?: () => number }).lastStep?.() } : rest;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text || '{}'));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
