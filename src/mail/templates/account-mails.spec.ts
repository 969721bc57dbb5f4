import {
  emailChangeCodeMail,
  emailChangedMail,
  mfaDisabledMail,
  mfaEnabledMail,
  passwordChangedMail,
  passwordResetMail,
  recoveryCodeUsedMail,
  verificationCodeMail,
} from './account-mails.js';
import { describeDuration, escapeHtml } from './layout.js';

describe('account mails', () => {
  const mails = [
    verificationCodeMail('a@example.com', { code: '012345', ttlSeconds: 600 }),
    passwordResetMail('a@example.com', {
      link: 'https://app.example.com/reset-password?token=abc_DEF-123',
      token: 'abc_DEF-123',
      ttlSeconds: 1800,
    }),
    passwordChangedMail('a@example.com', { when: new Date('2026-01-02T03:04:05Z') }),
    emailChangeCodeMail('new@example.com', { code: '987654', ttlSeconds: 600 }),
    emailChangedMail('a@example.com', { newEmail: 'new@example.com' }),
  ];

  it('each has a recipient, a clear subject, a text part and an HTML document', () => {
    for (const mail of mails) {
      expect(mail.to).toMatch(/@example\.com$/);
      expect(mail.subject).toMatch(/^(Your|Reset|Confirm) .*Warden/);
      expect(mail.text.length).toBeGreaterThan(40);
      expect(mail.html).toMatch(/^<!doctype html>[\s\S]*<\/html>$/);
    }
  });

  it('never puts a code or token in the subject', () => {
    for (const mail of mails) expect(mail.subject).not.toMatch(/\d{6}|abc_DEF/);
  });

  it('puts the code in both parts, with its lifetime', () => {
    const [verify] = mails;
    expect(verify.text).toContain('Your email verification code is: 012345');
    expect(verify.text).toContain('expires in 10 minutes');
    expect(verify.html).toContain('012345');
  });

  it('gives the reset link and the token as text', () => {
    const reset = mails[1];
    expect(reset.text).toContain('https://app.example.com/reset-password?token=abc_DEF-123');
    expect(reset.text).toContain('reset token into the app: abc_DEF-123');
    expect(reset.text).toContain('expires in 30 minutes');
    expect(reset.html).toContain('href="https://app.example.com/reset-password?token=abc_DEF-123"');
  });

  it('escapes addresses in the HTML part', () => {
    const mail = emailChangedMail('a@example.com', { newEmail: '"<script>"@example.com' });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&quot;&lt;script&gt;&quot;@example.com');
  });
});

describe('two-factor notices', () => {
  const when = new Date('2026-01-02T03:04:05Z');

  it('say when MFA went on or off, and who turned it off', () => {
    const on = mfaEnabledMail('a@example.com', { when });
    expect(on.subject).toBe('Two-factor authentication is on for your Warden account');
    expect(on.text).toContain('2026-01-02T03:04:05.000Z');
    const byUser = mfaDisabledMail('a@example.com', { when, byAdmin: false });
    const byAdmin = mfaDisabledMail('a@example.com', { when, byAdmin: true });
    expect(byUser.subject).toBe('Two-factor authentication is off for your Warden account');
    expect(byUser.text).toContain('The last authenticator of your Warden account was removed');
    expect(byAdmin.text).toContain('An administrator removed');
    expect(byAdmin.text).toContain('Every signed-in session was signed out');
    for (const mail of [on, byUser, byAdmin]) expect(mail.html).toMatch(/^<!doctype html>[\s\S]*<\/html>$/);
  });

  it('count the recovery codes left, and urge new ones at zero', () => {
    expect(recoveryCodeUsedMail('a@example.com', { remaining: 9 }).text).toContain('You have 9 recovery codes left.');
    expect(recoveryCodeUsedMail('a@example.com', { remaining: 1 }).text).toContain('You have 1 recovery code left.');
    expect(recoveryCodeUsedMail('a@example.com', { remaining: 0 }).text).toContain(
      'You have no recovery codes left: create new ones now.',
    );
  });
});

describe('layout helpers', () => {
  it('describes durations in words', () => {
    expect([30, 60, 600, 3600, 7200, 86400, 90].map(describeDuration)).toEqual([
      '30 seconds',
      '1 minute',
      '10 minutes',
      '1 hour',
      '2 hours',
      '1 day',
      '90 seconds',
    ]);
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
