import type { MailMessage } from '../mail/mail-message.js';
import { escapeHtml, htmlDocument } from '../mail/templates/layout.js';

export function passkeyAddedMail(to: string, input: { name: string | null; when: Date }): MailMessage {
  const subject = 'A passkey was added to your Warden account';
  const when = input.when.toISOString();
  const named = input.name ? ` ("${input.name}")` : '';
  const line = `A passkey${named} was added to your Warden account at ${when} (UTC). It can now sign in to the account.`;
  const text = [line, '', 'If this was not you, remove it from your account and contact your administrator.'].join(
    '\n',
  );
  const html = htmlDocument(subject, [
    escapeHtml(line),
    '<strong>If this was not you</strong>, remove it from your account and contact your administrator.',
  ]);
  return { to, subject, text, html };
}
