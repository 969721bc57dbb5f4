import { replaceRecoveryCodes } from '../src/mfa/recovery-code.store.js';
import { MfaCrypto } from '../src/mfa/mfa-crypto.service.js';
import { MfaFactor } from '../src/mfa/mfa-factor.entity.js';
import { MfaService } from '../src/mfa/mfa.service.js';
import { newTotpSecret } from '../src/mfa/totp.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client, registerAndLogin } from './support/http.js';
import { currentStep, mailWithSubject, rowsOf, totpCode } from './support/mfa.js';
import { mailEnv, SmtpSink } from './support/smtp-sink.js';

const USED = 'A Warden recovery code was used';

// The checks the sign-in and step-up flows call, against the real database: replay and single
// use are decided by conditional UPDATEs, so they hold across requests and instances.
describe('MfaService (second-factor checks)', () => {
  let sink: SmtpSink;
  let a: TestApp;
  let b: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    sink = await SmtpSink.start();
    a = await startApp(mailEnv(sink));
    b = await startApp(mailEnv(sink));
    http = client(a.url);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await sink.stop();
  });

  /** A user with one confirmed factor (and MFA on), made directly in the database. */
  async function mfaUser(
    email: string,
    confirmed = true,
  ): Promise<{ userId: string; secret: string; factorId: string }> {
    const { user } = await registerAndLogin(http, email);
    const secret = newTotpSecret();
    const factor = await a.dataSource.getRepository(MfaFactor).save({
      userId: user.id,
      secretCiphertext: a.app.get(MfaCrypto).sealSecret(secret),
      confirmedAt: confirmed ? new Date() : null,
    });
    if (confirmed) await a.dataSource.query('UPDATE users SET mfa_enabled = true WHERE id = $1', [user.id]);
    return { userId: user.id as string, secret, factorId: factor.id };
  }

  it('accepts a current code once and refuses its replay; the step and last_used_at are stored', async () => {
    const { userId, secret, factorId } = await mfaUser('otp-once@example.com');
    const mfa = a.app.get(MfaService);
    const code = totpCode(secret);
    const step = currentStep();
    expect(await mfa.verifyOtp(userId, code)).toBe(true);
    expect(await mfa.verifyOtp(userId, code)).toBe(false);
    const [row] = await a.dataSource.query('SELECT last_used_step, last_used_at FROM mfa_factors WHERE id = $1', [
      factorId,
    ]);
    // The check and the stored step use the same clock reading, which may be one step later.
    expect([String(step), String(step + 1)]).toContain(String(row.last_used_step));
    expect(row.last_used_at).toBeInstanceOf(Date);
  });

  it('accepts the previous and next step, refuses steps further off, wrong and malformed codes', async () => {
    const { userId, secret } = await mfaUser('otp-window@example.com');
    const mfa = a.app.get(MfaService);
    expect(await mfa.verifyOtp(userId, totpCode(secret, -3))).toBe(false);
    expect(await mfa.verifyOtp(userId, totpCode(secret, 3))).toBe(false);
    expect(await mfa.verifyOtp(userId, 'abcdef')).toBe(false);
    expect(await mfa.verifyOtp(userId, '')).toBe(false);
    const wrong = String((Number(totpCode(secret)) + 1) % 1_000_000).padStart(6, '0');
    const accepted = [totpCode(secret, -1), totpCode(secret, 0), totpCode(secret, 1)];
    if (!accepted.includes(wrong)) expect(await mfa.verifyOtp(userId, wrong)).toBe(false);
    expect(await mfa.verifyOtp(userId, totpCode(secret, -1))).toBe(true);
    expect(await mfa.verifyOtp(userId, ` ${totpCode(secret, 1)} `)).toBe(true);
    // Once the next step was accepted, the current (older) step is a replay.
    expect(await mfa.verifyOtp(userId, totpCode(secret, 0))).toBe(false);
  });

  it('of two parallel verifications of one code, exactly one is accepted', async () => {
    const { userId, secret } = await mfaUser('otp-race@example.com');
    const mfa = a.app.get(MfaService);
    const code = totpCode(secret, 1);
    const results = await Promise.all([mfa.verifyOtp(userId, code), mfa.verifyOtp(userId, code)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('a code accepted on one instance is a replay on another (the step is in the database)', async () => {
    const { userId, secret } = await mfaUser('otp-two-instances@example.com');
    const code = totpCode(secret, 1);
    const results = await Promise.all([
      a.app.get(MfaService).verifyOtp(userId, code),
      b.app.get(MfaService).verifyOtp(userId, code),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await b.app.get(MfaService).verifyOtp(userId, code)).toBe(false);
    expect(await a.app.get(MfaService).verifyOtp(userId, code)).toBe(false);
  });

  it("refuses an unconfirmed factor's code and another user's code", async () => {
    const pending = await mfaUser('otp-pending@example.com', false);
    const other = await mfaUser('otp-other@example.com');
    const mfa = a.app.get(MfaService);
    expect(await mfa.verifyOtp(pending.userId, totpCode(pending.secret))).toBe(false);
    expect(await mfa.verifyOtp(pending.userId, totpCode(other.secret))).toBe(false);
    expect(await mfa.methodsFor(pending.userId)).toEqual([]);
    expect(await mfa.methodsFor(other.userId)).toEqual(['totp', 'recovery_code']);
  });

  it('a recovery code works once (any case, hyphen optional), in parallel too; each use mails how many remain', async () => {
    const { userId } = await mfaUser('recovery@example.com');
    const codes = await a.dataSource.transaction((em) => replaceRecoveryCodes(em, a.app.get(MfaCrypto), userId));
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
    const mfa = a.app.get(MfaService);

    expect(await mfa.useRecoveryCode(userId, codes[0].toUpperCase().replace('-', ''))).toBe(true);
    expect(await mfa.useRecoveryCode(userId, codes[0])).toBe(false);
    const mail = await mailWithSubject(sink, 'recovery@example.com', USED);
    expect(mail.text).toContain('You have 9 recovery codes left.');

    const race = await Promise.all([
      mfa.useRecoveryCode(userId, codes[1]),
      b.app.get(MfaService).useRecoveryCode(userId, codes[1]),
    ]);
    expect(race.filter(Boolean)).toHaveLength(1);
    expect(await rowsOf(a.dataSource, 'mfa_recovery_codes', userId, 'used_at IS NULL')).toBe(8);
    expect((await mailWithSubject(sink, 'recovery@example.com', USED, 2)).text).toContain(
      'You have 8 recovery codes left.',
    );

    expect(await mfa.useRecoveryCode(userId, 'not-a-code')).toBe(false);
    expect(await mfa.useRecoveryCode(userId, 'aaaaa-aaaaa')).toBe(false);
    const events = await a.dataSource.query(
      `SELECT details FROM auth_events WHERE user_id = $1 AND type = 'recovery_code_used' ORDER BY created_at`,
      [userId],
    );
    expect(events.map((e: { details: unknown }) => e.details)).toEqual([{ remaining: 9 }, { remaining: 8 }]);
    // Only keyed hashes are stored.
    const stored = await a.dataSource.query('SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
    for (const { code_hash: hash } of stored) {
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(codes.map((c) => c.replace('-', ''))).not.toContain(hash);
    }
  });

  it("another user's recovery code does not work", async () => {
    const owner = await mfaUser('recovery-owner@example.com');
    const thief = await mfaUser('recovery-thief@example.com');
    const codes = await a.dataSource.transaction((em) => replaceRecoveryCodes(em, a.app.get(MfaCrypto), owner.userId));
    expect(await a.app.get(MfaService).useRecoveryCode(thief.userId, codes[0])).toBe(false);
    expect(await rowsOf(a.dataSource, 'mfa_recovery_codes', owner.userId, 'used_at IS NULL')).toBe(10);
  });
});
