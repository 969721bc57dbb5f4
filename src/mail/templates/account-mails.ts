import type { MailMessage } from '../mail-message.js';
import { codeBlock, describeDuration, escapeHtml, htmlDocument } from './layout.js';

// Subjects never contain the code or token: subjects are logged (log transport) and shown in
// notification previews on lock screens.

export function verificationCodeMail(to: string, input: { code: string; ttlSeconds: number }): MailMessage {
  const subject = 'Your Warden verification code';
  const ttl = describeDuration(input.ttlSeconds);
  const text = [
    'Welcome to Warden.',
    '',
    `Your email verification code is: ${input.code}`,
    '',
    `It expires in ${ttl} and can be used once.`,
    'If you did not create an account, you can ignore this message.',
  ].join('\n');
  const html = htmlDocument(subject, [
    'Welcome to Warden.',
    `Your email verification code is:<br>${codeBlock(input.code)}`,
    `It expires in ${escapeHtml(ttl)} and can be used once.`,
    'If you did not create an account, you can ignore this message.',
  ]);
  return { to, subject, text, html };
}

export function passwordResetMail(to: string, input: { link: string; token: string; ttlSeconds: number }): MailMessage {
  const subject = 'Reset your Warden password';
  const ttl = describeDuration(input.ttlSeconds);
  const text = [
    'Someone (hopefully you) asked to reset the password of your Warden account.',
    '',
    'Open this link to choose a new password:',
    input.link,
    '',
    `Or paste this reset token into the app: ${input.token}`,
    '',
    `The link expires in ${ttl} and works once.`,
    'If you did not ask for this, ignore this message: your password stays as it is.',
  ].join('\n');
  const html = htmlDocument(subject, [
    'Someone (hopefully you) asked to reset the password of your Warden account.',
    `<a href="${escapeHtml(input.link)}" style="display:inline-block;padding:10px 18px;background:#2b59c3;color:#fff;text-decoration:none;border-radius:4px">Choose a new password</a>`,
    `Or paste this reset token into the app:<br><code style="word-break:break-all">${escapeHtml(input.token)}</code>`,
    `The link expires in ${escapeHtml(ttl)} and works once.`,
    'If you did not ask for this, ignore this message: your password stays as it is.',
  ]);
  return { to, subject, text, html };
}

export function passwordChangedMail(to: string, input: { when: Date }): MailMessage {
  const subject = 'Your Warden password was changed';
  const when = input.when.toISOString();
  const text = [
    `The password of your Warden account was changed at ${when} (UTC).`,
    'Every signed-in session was signed out.',
    '',
    'If this was not you, reset your password right away and contact your administrator.',
  ].join('\n');
  const html = htmlDocument(subject, [
    `The password of your Warden account was changed at ${escapeHtml(when)} (UTC).`,
    'Every signed-in session was signed out.',
    '<strong>If this was not you</strong>, reset your password right away and contact your administrator.',
  ]);
  return { to, subject, text, html };
}

export function emailChangeCodeMail(to: string, input: { code: string; ttlSeconds: number }): MailMessage {
  const subject = 'Confirm your new Warden email address';
  const ttl = describeDuration(input.ttlSeconds);
  const text = [
    'Someone asked to use this address for their Warden account.',
    '',
    `To confirm the change, enter this code: ${input.code}`,
    '',
    `It expires in ${ttl} and can be used once.`,
    'If you did not ask for this, ignore this message: nothing changes.',
  ].join('\n');
  const html = htmlDocument(subject, [
    'Someone asked to use this address for their Warden account.',
    `To confirm the change, enter this code:<br>${codeBlock(input.code)}`,
    `It expires in ${escapeHtml(ttl)} and can be used once.`,
    'If you did not ask for this, ignore this message: nothing changes.',
  ]);
  return { to, subject, text, html };
}

/** Sent to the old address after a switch, so a hijacked account does not change hands silently. */
export function emailChangedMail(to: string, input: { newEmail: string }): MailMessage {
  const subject = 'Your Warden email address was changed';
  const text = [
    `The email address of your Warden account was changed from ${to} to ${input.newEmail}.`,
    'Mail about the account now goes to the new address.',
    '',
    'If this was not you, contact your administrator right away.',
  ].join('\n');
  const html = htmlDocument(subject, [
    `The email address of your Warden account was changed from <strong>${escapeHtml(to)}</strong> to <strong>${escapeHtml(input.newEmail)}</strong>.`,
    'Mail about the account now goes to the new address.',
    '<strong>If this was not you</strong>, contact your administrator right away.',
  ]);
  return { to, subject, text, html };
}

export function mfaEnabledMail(to: string, input: { when: Date }): MailMessage {
  const subject = 'Two-factor authentication is on for your Warden account';
  const when = input.when.toISOString();
  const text = [
    `Two-factor authentication was turned on for your Warden account at ${when} (UTC).`,
    'Signing in now needs a code from your authenticator app (or one of your recovery codes).',
    '',
    'If this was not you, contact your administrator right away.',
  ].join('\n');
  const html = htmlDocument(subject, [
    `Two-factor authentication was turned on for your Warden account at ${escapeHtml(when)} (UTC).`,
    'Signing in now needs a code from your authenticator app (or one of your recovery codes).',
    '<strong>If this was not you</strong>, contact your administrator right away.',
  ]);
  return { to, subject, text, html };
}

export function mfaDisabledMail(to: string, input: { when: Date; byAdmin: boolean }): MailMessage {
  const subject = 'Two-factor authentication is off for your Warden account';
  const when = input.when.toISOString();
  const cause = input.byAdmin
    ? 'An administrator removed the two-factor authentication of your Warden account'
    : 'The last authenticator of your Warden account was removed, which turned two-factor authentication off,';
  const after = input.byAdmin
    ? 'Every signed-in session was signed out; your recovery codes no longer work.'
    : 'Your recovery codes no longer work.';
  const text = [
    `${cause} at ${when} (UTC).`,
    after,
    '',
    'If this was not you, contact your administrator right away.',
  ].join('\n');
  const html = htmlDocument(subject, [
    `${escapeHtml(cause)} at ${escapeHtml(when)} (UTC).`,
    escapeHtml(after),
    '<strong>If this was not you</strong>, contact your administrator right away.',
  ]);
  return { to, subject, text, html };
}

export function recoveryCodeUsedMail(to: string, input: { remaining: number }): MailMessage {
  const subject = 'A Warden recovery code was used';
  const left =
    input.remaining === 0
      ? 'You have no recovery codes left: create new ones now.'
      : `You have ${input.remaining} recovery code${input.remaining === 1 ? '' : 's'} left.`;
  const text = [
    'One of the recovery codes of your Warden account was just used to sign in.',
    left,
    '',
    'If this was not you, contact your administrator right away.',
  ].join('\n');
  const html = htmlDocument(subject, [
    'One of the recovery codes of your Warden account was just used to sign in.',
    escapeHtml(left),
    '<strong>If this was not you</strong>, contact your administrator right away.',
  ]);
  return { to, subject, text, html };
}
