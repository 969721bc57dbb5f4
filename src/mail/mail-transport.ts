import type { AppConfig } from '../config/app-config.js';
import { LogTransport } from './log.transport.js';
import type { OutgoingMail } from './mail-message.js';
import { SmtpTransport } from './smtp.transport.js';

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/** Delivers one mail; rejects when it was not accepted (the dispatcher then retries). */
export interface MailTransport {
  readonly name: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** SMTP when SMTP_URL is set; otherwise the development log transport (loadConfig refuses it in production). */
export function createMailTransport(config: AppConfig): MailTransport {
  if (config.smtpUrl) return new SmtpTransport(config.smtpUrl);
  return new LogTransport(config.nodeEnv === 'development', config.logFormat === 'pretty');
}
