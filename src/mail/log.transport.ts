import { Logger } from '@nestjs/common';
import type { OutgoingMail } from './mail-message.js';
import type { MailTransport } from './mail-transport.js';

const RULE = '─'.repeat(64);

/** The mail as a framed block of plain lines, so that the code or link stands out in a console. */
export function mailBlock(mail: OutgoingMail): string {
  const lines = [`To:      ${mail.to}`, `Subject: ${mail.subject}`, '', ...mail.text.trimEnd().split(/\r?\n/)];
  return [`┌${RULE}`, ...lines.map((line) => `│ ${line}`), `└${RULE}`].join('\n');
}

/**
 * Development transport used when SMTP_URL is unset: the mail goes to the log instead of a
 * mailbox. The body carries codes and reset links, so it is written only when
 * NODE_ENV=development (a developer reading their own mail); any other environment logs just
 * the recipient and subject, which never contain a secret. With the pretty log format the body
 * is printed as a readable block; in JSON it is a `body` field.
 */
export class LogTransport implements MailTransport {
  readonly name = 'log' as const;
  private readonly logger = new Logger('Mail');

  constructor(
    private readonly showBodies: boolean,
    private readonly readable = false,
  ) {}

  send(mail: OutgoingMail): Promise<void> {
    if (this.showBodies && this.readable) {
      this.logger.log(`Mail (log transport; set SMTP_URL to send it)\n${mailBlock(mail)}`);
    } else if (this.showBodies) {
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
