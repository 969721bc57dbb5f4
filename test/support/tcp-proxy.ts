import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in the test process, between the app and a real Postgres (or Redis), so that a test
 * can take the database away and give it back without touching the server everyone else uses:
 * - `cut()`: existing connections are reset and new ones are accepted but never answered (a host
 *   that went away: connects hang until the client's timeout);
 * - `stall()`: existing connections stay open but nothing flows any more (a silent network
 *   partition: queries hang until the client's query timeout);
 * - `restore()`: everything held is dropped and new connections pass again.
 */
export class TcpProxy {
  private server?: Server;
  private mode: 'pass' | 'cut' = 'pass';
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private readonly held = new Set<Socket>();

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'cut') {
      this.held.add(client);
      client.on('close', () => this.held.delete(client));
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    const pair = { client, upstream };
    this.pairs.add(pair);
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      this.pairs.delete(pair);
    });
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  cut(): void {
    this.mode = 'cut';
    for (const { client, upstream } of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  stall(): void {
    this.mode = 'cut';
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  restore(): void {
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    // Stalled connections are dead for good (their bytes are lost): drop them like a network would.
    for (const { client, upstream } of this.pairs) {
      if (client.isPaused()) {
        client.destroy();
        upstream.destroy();
      }
    }
    this.mode = 'pass';
  }

  async close(): Promise<void> {
    this.cut();
    for (const socket of this.held) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
