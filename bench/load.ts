import autocannon, { type Request } from 'autocannon';

export interface LoadFigures {
  connections: number;
  duration_s: number;
  /** Successful (2xx) responses per second. */
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  /** Non-2xx responses plus socket errors and timeouts. */
  errors: number;
  error_rate: number;
  status_counts: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  connections: number;
  duration: number;
  /** Total requests per second over all connections (a latency probe rather than a saturating load). */
  overallRate?: number;
  /**
   * The request list of one connection, built once per connection. Per-connection state (a
   * refresh-token chain) lives in the closure: autocannon resets `context` to `initialContext`
   * each time a connection loops back to its first request, so with a one-request list the
   * context would be empty again before every request.
   */
  requestsFor: (connectionIndex: number) => Request[];
}

export async function runLoad(options: LoadOptions): Promise<LoadFigures> {
  let next = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.duration,
    overallRate: options.overallRate,
    timeout: 10,
    // A default request so that autocannon's own setup is valid; every client replaces it.
    requests: [{ method: 'GET', path: '/health/live' }],
    setupClient: (client) => client.setRequests(options.requestsFor(next++)),
  });
  const ok = result['2xx'];
  const socketErrors = result.errors; // includes timeouts
  const total = ok + result.non2xx + socketErrors;
  const statusCounts: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCounts[status] = count;
  if (socketErrors > 0) statusCounts.socket_errors = socketErrors;
  return {
    connections: options.connections,
    duration_s: result.duration,
    req_per_s: ok / result.duration,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests: total,
    errors: result.non2xx + socketErrors,
    error_rate: total === 0 ? 1 : (result.non2xx + socketErrors) / total,
    status_counts: statusCounts,
  };
}

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

/** GET /users/me with the bearer token of one user per connection. */
export function meRequests(tokens: string[]): (i: number) => Request[] {
  return (i) => [
    { method: 'GET', path: '/users/me', headers: { authorization: `Bearer ${tokens[i % tokens.length]}` } },
  ];
}

/** Password grants, each connection logging in as its own user. */
export function passwordRequests(logins: string[], password: string): (i: number) => Request[] {
  return (i) => [
    {
      method: 'POST',
      path: '/auth/token',
      headers: FORM_HEADERS,
      body: formBody({ grant_type: 'password', username: logins[i % logins.length], password }),
    },
  ];
}

/**
 * Refresh grants: each connection owns one session and chains its tokens (refresh tokens rotate;
 * presenting a rotated one after REFRESH_REUSE_GRACE would revoke the session). A connection
 * carries one request at a time, so the next request always sends the newest token.
 */
export function refreshRequests(refreshTokens: string[]): (i: number) => Request[] {
  return (i) => {
    if (i >= refreshTokens.length) throw new Error(`refresh scenario: no session left for connection ${i}`);
    const chain = { token: refreshTokens[i] };
    return [
      {
        method: 'POST',
        path: '/auth/token',
        headers: FORM_HEADERS,
        setupRequest: (request) => ({
          ...request,
          body: formBody({ grant_type: 'refresh_token', refresh_token: chain.token }),
        }),
        onResponse: (status, body) => {
          if (status !== 200) return;
          const next = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
          if (next) chain.token = next;
        },
      },
    ];
  };
}
