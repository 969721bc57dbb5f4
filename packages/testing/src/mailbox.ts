/** A mail Warden sent, as the test reads it. */
export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The one-time code in the text (verification, email change), or null. */
  code: string | null;
  /** Every http(s) link of the text, in order (the reset link, say). */
  links: string[];
  /** The reset token in the text, or null. */
  token: string | null;
}

export interface RawMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
}

export interface NextOptions {
  /** How long to wait for the mail, in ms (default 5000). */
  timeout?: number;
  /** Only a mail whose subject matches (the others stay in the mailbox). */
  subject?: string | RegExp;
}

export interface Mailbox {
  /** The oldest mail to this address not yet taken; waits for it until `timeout`. */
  next(options?: NextOptions): Promise<ReceivedMail>;
  /** Every mail to this address so far, taken or not. */
  all(): Promise<ReceivedMail[]>;
}

const CODE = /\bcode\b[^\d\n]*?\b(\d{4,10})\b/i;
const TOKEN = /\btoken\b[^:\n]*:\s*([A-Za-z0-9_-]{16,})/i;
const LINK = /https?:\/\/[^\s<>"')]+/g;

export function parseMail(mail: RawMail): ReceivedMail {
  return {
    ...mail,
    code: CODE.exec(mail.text)?.[1] ?? null,
    links: mail.text.match(LINK) ?? [],
    token: TOKEN.exec(mail.text)?.[1] ?? null,
  };
}

function matches(mail: ReceivedMail, subject: NextOptions['subject']): boolean {
  if (subject === undefined) return true;
  return typeof subject === 'string' ? mail.subject === subject : subject.test(mail.subject);
}

/** Every mail the in-process Warden sent, by recipient, with a cursor of what the test has taken. */
export class MailStore {
  private readonly mails: Array<ReceivedMail & { taken: boolean }> = [];
  private readonly waiters = new Set<() => void>();

  add(mail: RawMail): void {
    this.mails.push({ ...parseMail(mail), taken: false });
    for (const wake of this.waiters) wake();
  }

  /** Marks every mail to `address` so far as taken (the mails a helper caused). */
  skipAll(address: string): void {
    for (const mail of this.mails) if (same(mail.to, address)) mail.taken = true;
  }

  mailbox(address: string): Mailbox {
    return {
      next: (options = {}) => this.next(address, options),
      all: () => Promise.resolve(this.mails.filter((m) => same(m.to, address)).map(strip)),
    };
  }

  private next(address: string, { timeout = 5000, subject }: NextOptions): Promise<ReceivedMail> {
    return new Promise((resolve, reject) => {
      const take = (): boolean => {
        const mail = this.mails.find((m) => !m.taken && same(m.to, address) && matches(m, subject));
        if (!mail) return false;
        mail.taken = true;
        resolve(strip(mail));
        return true;
      };
      if (take()) return;
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        const what = subject === undefined ? 'mail' : `mail with subject ${String(subject)}`;
        reject(new Error(`No ${what} to ${address} within ${timeout} ms`));
      }, timeout);
      const wake = () => {
        if (!take()) return;
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      this.waiters.add(wake);
    });
  }
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function strip({ taken: _taken, ...mail }: ReceivedMail & { taken: boolean }): ReceivedMail {
  return mail;
}
