import { Logger } from '@nestjs/common';
import type { OutgoingMail } from './mail-message.js';
import type { MailTransport } from './mail-transport.js';

/**
 * Development transport used when SMTP_URL is unset: the mail goes to the log instead of a
 * mailbox. The body carries codes and reset links, so it is written only when
 * NODE_ENV=development (a developer reading their own mail); any other environment logs just
 * the recipient and subject, which never contain a secret.
 */
export class LogTransport implements MailTransport {
  readonly name = 'log' as const;
  private readonly logger = new Logger('Mail');

  constructor(private readonly showBodies: boolean) {}

  send(mail: OutgoingMail): Promise<void> {
    if (this.showBodies) {
      this.logger.log({ to: mail.to, subject: mail.subject, body: mail.text }, 'Mail (log transport)');
    } else {
      this.logger.log(
        { to: mail.to, subject: mail.subject },
        'Mail (log transport; the body is shown only with NODE_ENV=development)',
      );
    }
    return Promise.resolve();
  }

  close(): void {}
}
