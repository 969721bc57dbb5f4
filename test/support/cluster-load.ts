import autocannon, { type Request } from 'autocannon';

/** One response the load got through the load balancer. */
export interface Outcome {
  kind: string;
  status: number;
  /** HAProxy's X-Backend: the instance that answered (or that the request died on). */
  backend: string | undefined;
  /** When the response arrived (ms since the epoch). */
  at: number;
}

export interface LoadOptions {
  url: string;
  /** A label for the outcomes of this load ("read", "refresh", …). */
  kind: string;
  connections: number;
  /** Requests per second over all connections. */
  rate: number;
  seconds: number;
  /** The request list of one connection, built once per connection (its state lives in the closure). */
  requests: (connectionIndex: number) => Request[];
}

export interface LoadResult {
  outcomes: Outcome[];
  /** Socket errors and timeouts (no response at all), with when each happened. */
  errorsAt: number[];
}

export interface Load {
  /** Ends the run early (it ends by itself after `seconds` or rate × seconds requests). */
  stop(): void;
  /** Requests sent (or about to be) and not answered yet, now: at most one per connection. */
  inFlight(): number;
  done: Promise<LoadResult>;
}

/**
 * A bounded autocannon run (rate × seconds requests at most, one request in flight per
 * connection) that records every response with its status, instance and time.
 */
export function startLoad(options: LoadOptions): Load {
  const outcomes: Outcome[] = [];
  const errorsAt: number[] = [];
  const pending = new Set<number>();
  let next = 0;
  const record = (connection: number, request: Request): Request => ({
    ...request,
    setupRequest: (built, context) => {
      pending.add(connection);
      return request.setupRequest ? request.setupRequest(built, context) : built;
    },
    onResponse: (status, body, context, headers) => {
      pending.delete(connection);
      const backend = headers?.['x-backend'];
      const at = Date.now();
      outcomes.push({ kind: options.kind, status, backend: typeof backend === 'string' ? backend : undefined, at });
      request.onResponse?.(status, body, context, headers);
    },
  });
  let stop = () => undefined as void;
  const done = new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        overallRate: options.rate,
        duration: options.seconds,
        maxOverallRequests: options.rate * options.seconds,
        timeout: 10,
        requests: [{ method: 'GET', path: '/health/live' }],
        setupClient: (client) => {
          const connection = next++;
          client.setRequests(options.requests(connection).map((request) => record(connection, request)));
        },
      },
      (error) => (error ? reject(error) : resolve({ outcomes, errorsAt })),
    );
    // A socket error or a timeout: the connection reconnects and sends its next request.
    instance.on('reqError', () => errorsAt.push(Date.now()));
    stop = () => instance.stop();
  });
  return { stop: () => stop(), inFlight: () => pending.size, done };
}
