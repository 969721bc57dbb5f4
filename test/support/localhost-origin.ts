import {
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';

/**
 * `http://localhost:<port>` in front of a Warden that listens on 127.0.0.1: WebAuthn needs a
 * domain as RP ID (Chromium refuses an IP address), and the pages' CSRF check wants the browser's
 * Origin to be APP_URL. Start it first, give its `origin` to the app as APP_URL, then `forwardTo`
 * the app's URL; every request passes through unchanged (headers, cookies, body, Set-Cookie).
 */
export class LocalhostOrigin {
  private server?: Server;
  private target?: URL;
  origin = '';

  static async start<T extends LocalhostOrigin>(this: new () => T): Promise<T> {
    const proxy = new this();
    proxy.server = createServer((req, res) => proxy.handle(req, res));
    await new Promise<void>((resolve) => proxy.server!.listen(0, '127.0.0.1', resolve));
    proxy.origin = `http://localhost:${(proxy.server.address() as { port: number }).port}`;
    return proxy;
  }

  forwardTo(url: string): void {
    this.target = new URL(url);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A subclass's own pages on the origin: true when it answered the request itself. */
  protected serveOwn(_path: string, _res: ServerResponse): boolean {
    return false;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.serveOwn(req.url ?? '/', res)) return;
    if (!this.target) {
      res.writeHead(503).end();
      return;
    }
    const upstream = httpRequest(
      { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  }
}
