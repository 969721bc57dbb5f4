import type { AppConfig, MailTransportName } from '../config/app-config.js';
import { LogTransport } from './log.transport.js';
import type { OutgoingMail } from './mail-message.js';
import { MemoryTransport } from './memory.transport.js';
import { SmtpTransport } from './smtp.transport.js';

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/** Delivers one mail; rejects when it was not accepted (the dispatcher then retries). */
export interface MailTransport {
  readonly name: MailTransportName;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** MAIL_TRANSPORT: SMTP (the default when SMTP_URL is set), the log, or memory; only SMTP passes loadConfig in production. */
export function createMailTransport(config: AppConfig): MailTransport {
  switch (config.mailTransport) {
    case 'smtp':
      return new SmtpTransport(config.smtpUrl!);
    case 'memory':
      return new MemoryTransport();
    case 'log':
      return new LogTransport(config.nodeEnv === 'development', config.logFormat === 'pretty');
  }
}
