import { ConsoleLogger, Logger, type LoggerService } from '@nestjs/common';
import { LogTransport } from './log.transport.js';

describe('LogTransport', () => {
  const lines: unknown[] = [];
  const capture: LoggerService = {
    log: (message: unknown) => lines.push(message),
    error: () => undefined,
    warn: () => undefined,
  };
  const mail = {
    from: 'Warden <no-reply@localhost>',
    to: 'dev@example.com',
    subject: 'Your Warden verification code',
    text: 'Your email verification code is: 424242',
    html: '<p>424242</p>',
  };

  beforeEach(() => {
    lines.length = 0;
    Logger.overrideLogger(capture);
  });
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  it('writes the body for the developer in development', async () => {
    await new LogTransport(true).send(mail);
    expect(lines).toEqual([{ to: 'dev@example.com', subject: mail.subject, body: mail.text }]);
  });

  it('prints the mail as a framed block of plain lines with the pretty log format', async () => {
    await new LogTransport(true, true).send(mail);
    expect(lines).toHaveLength(1);
    const text = lines[0] as string;
    expect(text.split('\n')).toEqual([
      'Mail (log transport; set SMTP_URL to send it)',
      expect.stringMatching(/^┌─+$/),
      '│ To:      dev@example.com',
      '│ Subject: Your Warden verification code',
      '│ ',
      '│ Your email verification code is: 424242',
      expect.stringMatching(/^└─+$/),
    ]);
  });

  it('never prints the body outside development, whatever the format', async () => {
    await new LogTransport(false, true).send(mail);
    expect(JSON.stringify(lines)).not.toContain('424242');
  });

  it('writes only the recipient and subject anywhere else', async () => {
    await new LogTransport(false).send(mail);
    expect(lines).toEqual([{ to: 'dev@example.com', subject: mail.subject }]);
    expect(JSON.stringify(lines)).not.toContain('424242');
  });
});
