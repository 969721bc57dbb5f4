import { ConfigError, loadConfig } from './app-config.js';

const base = { JWT_SECRET: 'Zq8vN2pL5xR7tW0yB3mK6cF9hJ1dG4sA', DATA_DIR: '/tmp/warden-unit' };

describe('loadConfig: mail settings', () => {
  it('refuses a production start without SMTP_URL, naming the variable', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(
      /^SMTP_URL is required when NODE_ENV=production/,
    );
  });

  it('accepts production with an SMTP URL, and development without one (log transport)', () => {
    expect(loadConfig({ ...base, NODE_ENV: 'production', SMTP_URL: 'smtp://u:p@mail:587' }).smtpUrl).toBe(
      'smtp://u:p@mail:587',
    );
    expect(loadConfig({ ...base, NODE_ENV: 'development' }).smtpUrl).toBeUndefined();
  });

  it('refuses an SMTP_URL that is not smtp:// or smtps://', () => {
    expect(() => loadConfig({ ...base, SMTP_URL: 'http://mail:25' })).toThrow(/SMTP_URL must start with smtp/);
  });

  it('has outbox defaults and validates the tuning variables', () => {
    expect(loadConfig(base).mail).toEqual({ pollIntervalMs: 2000, retryBaseMs: 5000, maxAttempts: 10 });
    expect(() => loadConfig({ ...base, MAIL_MAX_ATTEMPTS: '0' })).toThrow(/MAIL_MAX_ATTEMPTS must be an integer/);
    expect(() => loadConfig({ ...base, MAIL_POLL_INTERVAL_MS: 'fast' })).toThrow(/MAIL_POLL_INTERVAL_MS/);
    expect(loadConfig({ ...base, MAIL_RETRY_BASE_MS: '100' }).mail.retryBaseMs).toBe(100);
  });

  it('checks MAIL_FROM looks like a sender', () => {
    expect(loadConfig(base).mailFrom).toBe('Warden <no-reply@localhost>');
    expect(loadConfig({ ...base, MAIL_FROM: 'Acme Login <login@acme.example>' }).mailFrom).toBe(
      'Acme Login <login@acme.example>',
    );
    expect(loadConfig({ ...base, MAIL_FROM: 'noreply@acme.example' }).mailFrom).toBe('noreply@acme.example');
    expect(() => loadConfig({ ...base, MAIL_FROM: 'Acme' })).toThrow(/^MAIL_FROM must be an address/);
  });

  it('chooses the transport: SMTP when SMTP_URL is set, else the log; MAIL_TRANSPORT=memory outside production only', () => {
    expect(loadConfig(base).mailTransport).toBe('log');
    expect(loadConfig({ ...base, SMTP_URL: 'smtp://u:p@mail:587' }).mailTransport).toBe('smtp');
    expect(loadConfig({ ...base, MAIL_TRANSPORT: 'memory' }).mailTransport).toBe('memory');
    expect(loadConfig({ ...base, SMTP_URL: 'smtp://u:p@mail:587', MAIL_TRANSPORT: 'Memory' }).mailTransport).toBe(
      'memory',
    );
    expect(() => loadConfig({ ...base, MAIL_TRANSPORT: 'smtp' })).toThrow(/^MAIL_TRANSPORT=smtp needs SMTP_URL/);
    expect(() => loadConfig({ ...base, MAIL_TRANSPORT: 'file' })).toThrow(
      /^MAIL_TRANSPORT must be one of smtp, log, memory/,
    );
    for (const transport of ['memory', 'log']) {
      expect(() =>
        loadConfig({ ...base, NODE_ENV: 'production', SMTP_URL: 'smtp://u:p@mail:587', MAIL_TRANSPORT: transport }),
      ).toThrow(new RegExp(`^MAIL_TRANSPORT=${transport} is refused when NODE_ENV=production`));
    }
  });
});
