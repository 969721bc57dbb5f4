/** Emails are trimmed, NFC-normalised and lower-cased before storing and comparing. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
