import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Logger as Pino } from 'pino';

/**
 * SIGTERM/SIGINT: stop taking work, finish what is in flight, close the database, exit 0.
 *
 * `app.close()` runs Nest's sequence: the adapter flips to "shutting down" (new requests get 503
 * with `Connection: close`, responses in flight get `Connection: close` from the onSend hook in
 * request-hooks.ts, so keep-alive clients reconnect elsewhere), OnModuleDestroy and
 * BeforeApplicationShutdown hooks run (the outbox dispatcher finishes its current mail there),
 * Fastify stops accepting and waits for the requests in flight, then OnApplicationShutdown hooks
 * close the DataSource and Redis. Nest's own enableShutdownHooks() re-raises the signal at the
 * end, so the process would die "killed by SIGTERM"; an orchestrator should see exit code 0.
 *
 * Bounded: after `timeoutMs` the remaining connections are cut and the process exits 1.
 */
export function installGracefulShutdown(app: INestApplication, pino: Pino, timeoutMs: number): void {
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const started = Date.now();
    pino.info({ signal, timeout_ms: timeoutMs }, 'Shutting down: draining requests in flight');
    const deadline = setTimeout(() => {
      pino.error({ timeout_ms: timeoutMs }, 'Shutdown took too long; closing the remaining connections');
      (app.getHttpServer() as Server).closeAllConnections();
      process.exit(1);
    }, timeoutMs);
    app.close().then(
      () => {
        clearTimeout(deadline);
        pino.info({ ms: Date.now() - started }, 'Shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        pino.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
