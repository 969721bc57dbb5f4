import { Writable } from 'node:stream';
import { createAccessLogger, createPino } from './logger.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, sink };
}

describe('createPino', () => {
  it('redacts passwords, codes, tokens, authorization headers and cookies wherever a caller puts them', () => {
    const { lines, sink } = capture();
    const log = createPino('info', sink);
    log.info({
      password: 'pw-top',
      body: {
        password: 'pw-nested',
        new_password: 'pw-new',
        current_password: 'pw-cur',
        code: '123456',
        token: 'reset-tok',
      },
      tokens: { access_token: 'at-secret', refresh_token: 'rt-secret' },
      req: { headers: { authorization: 'Bearer at-header', cookie: 'access_token=at-cookie' } },
      headers: { authorization: 'Basic dXNlcjpwdw==', cookie: 'refresh_token=rt-cookie' },
      res: { headers: { 'set-cookie': 'refresh_token=rt-set' } },
      user_id: 'kept',
    });
    const line = lines.join('\n');
    for (const secret of [
      'pw-top',
      'pw-nested',
      'pw-new',
      'pw-cur',
      '123456',
      'reset-tok',
      'at-secret',
      'rt-secret',
      'at-header',
      'at-cookie',
      'dXNlcjpwdw',
      'rt-cookie',
      'rt-set',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('"user_id":"kept"');
    expect(line).toContain('[redacted]');
  });

  it('gives the access log the same stream and level, without the redaction pass', () => {
    const { lines, sink } = capture();
    const root = createPino('warn', sink);
    const access = createAccessLogger(root);
    expect(access.isLevelEnabled('info')).toBe(false);
    access.warn({ request_id: 'r1' }, 'request');
    root.warn('root');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['request', 'root']);
  });
});
