/** A rendered mail: every message has a plain-text and an HTML part. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** What a transport receives: the rendered mail plus the configured sender (MAIL_FROM). */
export interface OutgoingMail extends MailMessage {
  from: string;
}
