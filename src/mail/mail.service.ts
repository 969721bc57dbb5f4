import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { MailMessage } from './mail-message.js';
import { MailOutbox } from './mail-outbox.entity.js';
import { OutboxSignal } from './outbox-signal.js';

/** Postgres channel the instances use to wake each other's dispatchers. */
export const OUTBOX_CHANNEL = 'warden_mail_outbox';
const WAKE_AFTER_COMMIT = 'warden:mail-enqueued';

/**
 * The one way to send mail: enqueue() writes it to the outbox inside the caller's transaction,
 * so a mail exists exactly when the change that causes it was committed. The dispatcher sends
 * it; the request never waits on SMTP.
 */
@Injectable()
export class MailService implements EntitySubscriberInterface {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() dataSource: DataSource,
    private readonly signal: OutboxSignal,
  ) {
    // Listens for commits, to wake this instance's dispatcher once the mail is visible.
    dataSource.subscribers.push(this);
  }

  async enqueue(mail: MailMessage, manager: EntityManager): Promise<void> {
    await manager.getRepository(MailOutbox).insert({
      toAddress: mail.to,
      subject: mail.subject,
      textBody: mail.text,
      htmlBody: mail.html,
    });
    // Postgres delivers a NOTIFY only when (and if) the transaction commits: every instance's
    // dispatcher wakes, and the row is visible to them by then.
    if (this.config.databaseUrl) await manager.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
    const queryRunner = manager.queryRunner;
    if (queryRunner?.isTransactionActive) {
      queryRunner.data = { ...queryRunner.data, [WAKE_AFTER_COMMIT]: true };
    } else {
      this.signal.notify();
    }
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const data = event.queryRunner.data as Record<string, unknown> | undefined;
    if (!data?.[WAKE_AFTER_COMMIT]) return;
    delete data[WAKE_AFTER_COMMIT];
    this.signal.notify();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const data = event.queryRunner.data as Record<string, unknown> | undefined;
    if (data) delete data[WAKE_AFTER_COMMIT];
  }
}
