import { Secret, TOTP } from 'otpauth';
import type { DataSource } from 'typeorm';
import type { Client } from './http.js';
import type { ReceivedMail, SmtpSink } from './smtp-sink.js';

/** The TOTP code of `secret` for the step `offset` steps from now (as an authenticator app shows it). */
export function totpCode(secret: string, offset = 0, now = Date.now()): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: now + offset * 30_000 });
}

export function currentStep(now = Date.now()): number {
  return Math.floor(now / 30_000);
}

/** Enrols and confirms a TOTP factor through the API; MFA is on afterwards. */
export async function enableMfa(
  http: Client,
  token: string,
): Promise<{ factorId: string; secret: string; recoveryCodes: string[] | null }> {
  const started = await http.post('/auth/mfa/totp', { token, json: {} });
  if (started.status !== 201) throw new Error(`enrolment failed: ${started.status} ${started.text}`);
  const { factor_id: factorId, secret } = started.body as { factor_id: string; secret: string };
  const confirmed = await http.post('/auth/mfa/totp/confirm', {
    token,
    json: { factor_id: factorId, code: totpCode(secret) },
  });
  if (confirmed.status !== 200) throw new Error(`confirmation failed: ${confirmed.status} ${confirmed.text}`);
  return { factorId, secret, recoveryCodes: confirmed.body.recovery_codes };
}

/** The user's row count in a table. */
export async function rowsOf(ds: DataSource, table: string, userId: string, where = 'true'): Promise<number> {
  const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM "${table}" WHERE user_id = $1 AND ${where}`, [userId]);
  return n as number;
}

/** Waits for the `count`-th mail to `address` with `subject` (other mails, such as the verification code, are skipped). */
export async function mailWithSubject(
  sink: SmtpSink,
  address: string,
  subject: string,
  count = 1,
  timeoutMs = 10_000,
): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = sink.to(address).filter((m) => m.subject === subject);
    if (found.length >= count) return found[count - 1];
    if (Date.now() > deadline) throw new Error(`no mail "${subject}" (#${count}) to ${address}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
