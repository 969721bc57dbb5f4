import { Secret, TOTP, URI } from 'otpauth';
import { matchingStep, newTotpSecret, otpauthUri, qrCodeDataUrl } from './totp.js';

describe('TOTP', () => {
  it('otpauth computes the RFC 6238 appendix B SHA-1 test vectors', () => {
    const secret = Secret.fromLatin1('12345678901234567890');
    const vectors: Array<[number, string]> = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) {
      expect(TOTP.generate({ secret, algorithm: 'SHA1', digits: 8, period: 30, timestamp: seconds * 1000 })).toBe(code);
    }
  });

  it('makes secrets of 20 random bytes as unpadded base32', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
    expect(newTotpSecret()).not.toBe(secret);
  });

  it('builds the otpauth URI in the documented shape, URI-encoded, and authenticator parsers read it', () => {
    const uri = otpauthUri('Acme Corp', 'al+ice@example.com', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    expect(uri).toBe(
      'otpauth://totp/Acme%20Corp:al%2Bice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' +
        '&issuer=Acme%20Corp&algorithm=SHA1&digits=6&period=30',
    );
    const parsed = URI.parse(uri) as TOTP;
    expect(parsed).toBeInstanceOf(TOTP);
    expect(parsed.issuer).toBe('Acme Corp');
    expect(parsed.label).toBe('al+ice@example.com');
    expect(parsed.secret.base32).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
  });

  it('renders the URI as an SVG QR code in a base64 data URL', async () => {
    const url = await qrCodeDataUrl('otpauth://totp/Warden:a%40example.com?secret=ABC');
    expect(url).toMatch(/^data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+$/);
    const svg = Buffer.from(url.split(',')[1], 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('names the step a code belongs to: previous, current or next, nothing further', () => {
    const secret = newTotpSecret();
    const now = 1_800_000_000_000;
    const step = Math.floor(now / 30_000);
    const code = (offset: number) =>
      TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: now + offset * 30_000 });
    expect(matchingStep(secret, code(0), now)).toBe(step);
    expect(matchingStep(secret, code(-1), now)).toBe(step - 1);
    expect(matchingStep(secret, code(1), now)).toBe(step + 1);
    expect(matchingStep(secret, code(2), now) === step + 2).toBe(false);
    expect(matchingStep(secret, '12345', now)).toBeNull();
    expect(matchingStep(secret, '12345a', now)).toBeNull();
  });
});
