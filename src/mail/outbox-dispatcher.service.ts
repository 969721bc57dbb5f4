import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PgListener } from '../common/pg-listener.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OUTBOX_CHANNEL } from './mail.service.js';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport.js';
import { OutboxSignal } from './outbox-signal.js';

/** A claimed mail belongs to its sender this long; after it a crashed sender's mail is tried again. */
const CLAIM_LEASE_MS = 120_000;
const MAX_RETRY_DELAY_MS = 15 * 60_000;

interface ClaimedMail {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  attempts: number;
}

/** Exponential back-off: base, 2×base, 4×base… capped at 15 minutes. */
export function retryDelayMs(baseMs: number, attempts: number): number {
  return Math.min(baseMs * 2 ** Math.max(attempts - 1, 0), MAX_RETRY_DELAY_MS);
}

/**
 * Sends the outbox. Each mail is claimed with an UPDATE over `FOR UPDATE SKIP LOCKED`, which
 * moves it to `sending` with a lease: several instances (or dispatchers) never get the same
 * row, and the claim commits before the SMTP conversation so no database lock (nor PGlite's
 * single session) is held while a slow server talks.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('MailOutbox');
  private stopping = false;
  private running?: Promise<void>;
  private listener?: PgListener;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly signal: OutboxSignal,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.databaseUrl) {
      // A mail committed by any instance wakes every dispatcher at once; while the connection is
      // down the slow poll still finds it.
      this.listener = new PgListener({
        connectionString: this.config.databaseUrl,
        applicationName: 'warden-mail-outbox',
        metrics: this.metrics,
        status: {
          // Mail committed while we were not listening is picked up now rather than at the next poll.
          up: () => this.signal.notify(),
          // The message only (a connection error may carry the host, never the URL's password).
          down: (error) =>
            this.logger.warn(
              { error: error instanceof Error ? error.message : 'connection ended' },
              'Mail outbox LISTEN connection lost; reconnecting',
            ),
        },
      });
      this.listener.subscribe(OUTBOX_CHANNEL, () => this.signal.notify());
      void this.listener.start();
    }
    this.running = this.run();
    this.logger.log({ transport: this.transport.name }, 'Mail outbox dispatcher started');
  }

  /** Runs before the database closes: finishes the mail in hand, then stops. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.signal.notify();
    await this.running;
    await this.listener?.stop();
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        while (!this.stopping && (await this.sendNext())) {
          /* drain every due mail before sleeping */
        }
        await this.reportDepth();
      } catch (error) {
        this.logger.warn({ error: (error as Error).message }, 'Mail outbox pass failed; will retry');
      }
      if (!this.stopping) await this.signal.wait(this.config.mail.pollIntervalMs);
    }
  }

  /** Claims, sends and settles one due mail; false when none was due. */
  private async sendNext(): Promise<boolean> {
    const mail = await this.claim();
    if (!mail) return false;
    try {
      await this.transport.send({
        from: this.config.mailFrom,
        to: mail.to_address,
        subject: mail.subject,
        text: mail.text_body,
        html: mail.html_body,
      });
    } catch (error) {
      await this.recordFailure(mail, error as Error);
      return true;
    }
    await this.dataSource.query(
      `UPDATE mail_outbox SET status = 'sent', sent_at = now(), text_body = NULL, html_body = NULL, last_error = NULL
       WHERE id = $1`,
      [mail.id],
    );
    this.metrics?.outboxDelivered();
    this.logger.log({ mail_id: mail.id, attempts: mail.attempts }, 'Mail sent');
    return true;
  }

  private async claim(): Promise<ClaimedMail | undefined> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(
        `UPDATE mail_outbox
            SET status = 'sending', attempts = attempts + 1, next_attempt_at = now() + $1 * interval '1 millisecond'
          WHERE id = (SELECT id FROM mail_outbox
                       WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
                       ORDER BY next_attempt_at
                       LIMIT 1
                       FOR UPDATE SKIP LOCKED)
          RETURNING id, to_address, subject, text_body, html_body, attempts`,
        [CLAIM_LEASE_MS],
        true,
      );
      return (result.records as ClaimedMail[])[0];
    } finally {
      await runner.release();
    }
  }

  private async recordFailure(mail: ClaimedMail, error: Error): Promise<void> {
    // The transport's message (connection refused, a 5xx reply…); never the mail's body.
    const reason = (error.message || error.name).slice(0, 500);
    this.metrics?.outboxFailed();
    if (mail.attempts >= this.config.mail.maxAttempts) {
      await this.dataSource.query(
        `UPDATE mail_outbox SET status = 'failed', last_error = $2, text_body = NULL, html_body = NULL WHERE id = $1`,
        [mail.id, reason],
      );
      this.logger.error({ mail_id: mail.id, attempts: mail.attempts, error: reason }, 'Mail failed; giving up');
      return;
    }
    const delay = retryDelayMs(this.config.mail.retryBaseMs, mail.attempts);
    await this.dataSource.query(
      `UPDATE mail_outbox SET status = 'pending', last_error = $2, next_attempt_at = now() + $3 * interval '1 millisecond'
       WHERE id = $1`,
      [mail.id, reason, delay],
    );
    this.logger.warn(
      { mail_id: mail.id, attempts: mail.attempts, retry_in_ms: delay, error: reason },
      'Mail send failed',
    );
  }

  /** Mails not yet delivered, for the warden_outbox_depth gauge (once per pass, not per mail). */
  private async reportDepth(): Promise<void> {
    if (!this.metrics) return;
    const [row] = await this.dataSource.query<Array<{ depth: number }>>(
      `SELECT count(*)::int AS depth FROM mail_outbox WHERE status IN ('pending', 'sending')`,
    );
    this.metrics.setOutboxDepth(row?.depth ?? 0);
  }
}
