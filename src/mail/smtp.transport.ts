import nodemailer, { type Transporter } from 'nodemailer';
import type { OutgoingMail } from './mail-message.js';
import type { MailTransport } from './mail-transport.js';

/**
 * nodemailer over SMTP_URL (`smtp://user:pass@host:port`, `smtps://` for implicit TLS).
 * nodemailer's default timeouts run to minutes; a stuck server should fail the attempt quickly
 * and leave the mail to the outbox's back-off instead (and stay well inside the claim lease).
 */
export class SmtpTransport implements MailTransport {
  readonly name = 'smtp' as const;
  private readonly transporter: Transporter;

  constructor(smtpUrl: string) {
    this.transporter = nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transporter.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
  }

  close(): void {
    this.transporter.close();
  }
}
