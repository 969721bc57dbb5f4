import type { AuthEvent, AuthEventType } from '../audit/auth-event.entity.js';

/** The audit log's event types as the account page says them to the account's owner. */
const EVENT_WORDS: Record<AuthEventType, string> = {
  login_success: 'Signed in',
  login_failure: 'Failed sign-in attempt',
  login_locked: 'Sign-in paused after too many failed attempts',
  logout: 'Signed out',
  session_revoked: 'Signed out a session',
  sessions_revoked: 'Signed out all other sessions',
  refresh_reuse_detected: 'A session was ended because its token was reused',
  password_changed: 'Password changed',
  password_reset_requested: 'Password reset requested',
  password_reset: 'Password reset',
  email_change_requested: 'Email change requested',
  email_changed: 'Email address changed',
  email_verified: 'Email address verified',
  role_changed: 'Roles changed by an administrator',
  account_disabled: 'Account disabled by an administrator',
  account_enabled: 'Account enabled by an administrator',
  user_deleted: 'Account deleted',
  mfa_enabled: 'Two-factor authentication turned on',
  mfa_disabled: 'Two-factor authentication turned off',
  mfa_failed: 'Wrong two-factor code entered',
  recovery_code_used: 'Recovery code used',
  recovery_codes_regenerated: 'New recovery codes generated',
  mfa_reset_by_admin: 'Two-factor authentication reset by an administrator',
  passkey_added: 'Passkey added',
  passkey_removed: 'Passkey removed',
  passkey_clone_detected: 'A passkey was refused as a possible copy',
  client_created: 'OAuth client registered',
  client_updated: 'OAuth client changed',
  client_deleted: 'OAuth client deleted',
  client_secret_rotated: 'OAuth client secret rotated',
  federated_login: 'Signed in with another provider',
  identity_linked: 'Provider linked',
  identity_unlinked: 'Provider unlinked',
};

export interface ActivityLine {
  what: string;
  when: Date;
  ip: string | null;
  device: string | null;
}

export function describeEvent(event: AuthEvent): ActivityLine {
  return {
    what: EVENT_WORDS[event.type] ?? event.type.replace(/_/g, ' '),
    when: event.createdAt,
    ip: event.ip,
    device: describeUserAgent(event.userAgent),
  };
}

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/(Chrome|Chromium|HeadlessChrome)\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/curl\//i, 'curl'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iOS/, 'iOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Windows/, 'Windows'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/** "Firefox on Linux" from a User-Agent header; the raw value (shortened) when nothing is recognised. */
export function describeUserAgent(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  if (browser ?? system) return (browser ?? system) as string;
  return userAgent.length > 60 ? `${userAgent.slice(0, 57)}…` : userAgent;
}
