import { loadConfig } from '../config/app-config.js';
import { createMailTransport } from './mail-transport.js';
import { MemoryTransport } from './memory.transport.js';

const base = { JWT_SECRET: 'Zq8vN2pL5xR7tW0yB3mK6cF9hJ1dG4sA', DATA_DIR: '/tmp/warden-unit' };
const mail = {
  from: 'Warden <no-reply@localhost>',
  to: 'a@example.test',
  subject: 'Hi',
  text: 'code 123456',
  html: '<p>',
};

describe('MemoryTransport (MAIL_TRANSPORT=memory)', () => {
  it('is the transport MAIL_TRANSPORT=memory chooses, and the log one stays the default without SMTP_URL', () => {
    expect(createMailTransport(loadConfig({ ...base, MAIL_TRANSPORT: 'memory' }))).toBeInstanceOf(MemoryTransport);
    expect(createMailTransport(loadConfig(base)).name).toBe('log');
  });

  it('keeps every mail and hands it to the listeners until they stop or the transport closes', async () => {
    const transport = new MemoryTransport();
    const seen: string[] = [];
    const stop = transport.onMail((m) => seen.push(m.subject));
    await transport.send(mail);
    stop();
    await transport.send({ ...mail, subject: 'Second' });
    transport.onMail((m) => seen.push(`late ${m.subject}`));
    transport.close();
    await transport.send({ ...mail, subject: 'Third' });
    expect(seen).toEqual(['Hi']);
    expect(transport.sent.map((m) => m.subject)).toEqual(['Hi', 'Second', 'Third']);
  });
});
