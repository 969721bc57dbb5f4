import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ListenerMetrics } from '../common/pg-listener.js';
import type { RequestObserver } from '../common/request-hooks.js';

export type LoginOutcome = 'success' | 'failure' | 'locked';

/**
 * The Prometheus series of /metrics, on a registry of this app instance (tests run
 * several apps in one process). Other modules only call the small methods below; the mail
 * module's outbox dispatcher reports its depth and failures, SessionsService its revocations.
 */
@Injectable()
export class MetricsService implements RequestObserver, ListenerMetrics {
  readonly registry = new Registry();
  private readonly requestSeries = new Map<
    string,
    { count: { inc(): void }; latency: { observe(value: number): void } }
  >();
  private readonly requests = new Counter({
    name: 'warden_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'warden_http_request_duration_seconds',
    help: 'Time from request received to response sent, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly logins = new Counter({
    name: 'warden_logins_total',
    help: 'Password logins (token endpoint and browser login), by outcome: success, failure, locked',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly outboxDepth = new Gauge({
    name: 'warden_outbox_depth',
    help: 'Mails waiting in the outbox (not yet sent), as last seen by the dispatcher',
    registers: [this.registry],
  });
  private readonly outboxFailures = new Counter({
    name: 'warden_outbox_failures_total',
    help: 'Failed delivery attempts of outbox mails (each is retried with back-off)',
    registers: [this.registry],
  });
  private readonly outboxSent = new Counter({
    name: 'warden_outbox_sent_total',
    help: 'Outbox mails delivered',
    registers: [this.registry],
  });
  private readonly revocations = new Counter({
    name: 'warden_session_revocations_total',
    help: 'Sessions revoked, by reason (logout, password_change, reuse, disabled, ...)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly listenerReconnects = new Counter({
    name: 'warden_pg_listener_reconnects_total',
    help: 'Postgres LISTEN connections lost and being re-established, by listener',
    labelNames: ['listener'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const outcome of ['success', 'failure', 'locked'] as const) this.logins.inc({ outcome }, 0);
    this.outboxFailures.inc(0);
    this.outboxSent.inc(0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    // Each request's series, looked up once per (method, route, status) instead of prom-client
    // hashing a label object twice on every request. Bounded: route patterns, not URLs.
    const key = `${method} ${route} ${status}`;
    let series = this.requestSeries.get(key);
    if (!series) {
      const labels = { method, route, status: String(status) };
      series = { count: this.requests.labels(labels), latency: this.latency.labels(labels) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.latency.observe(seconds);
  }

  login(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  setOutboxDepth(depth: number): void {
    this.outboxDepth.set(depth);
  }

  outboxFailed(): void {
    this.outboxFailures.inc();
  }

  outboxDelivered(): void {
    this.outboxSent.inc();
  }

  sessionRevoked(reason: string, count = 1): void {
    if (count > 0) this.revocations.inc({ reason }, count);
  }

  listenerReconnect(listener: string): void {
    this.listenerReconnects.inc({ listener });
  }
}
