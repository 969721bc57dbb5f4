import type { OutgoingMail } from './mail-message.js';
import type { MailTransport } from './mail-transport.js';

/**
 * MAIL_TRANSPORT=memory: every mail is kept in this process and handed to the listeners, for a
 * Warden started inside an app's test run (packages/testing reads it there). Refused in
 * production by loadConfig; nothing is written to the log, since the bodies carry codes.
 */
export class MemoryTransport implements MailTransport {
  readonly name = 'memory' as const;
  readonly sent: OutgoingMail[] = [];
  private readonly listeners = new Set<(mail: OutgoingMail) => void>();

  send(mail: OutgoingMail): Promise<void> {
    this.sent.push(mail);
    for (const listener of this.listeners) listener(mail);
    return Promise.resolve();
  }

  /** Calls `listener` for each mail sent from now on; returns the function that stops it. */
  onMail(listener: (mail: OutgoingMail) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
  }
}
