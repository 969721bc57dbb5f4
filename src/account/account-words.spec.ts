import { AUTH_EVENT_TYPES, type AuthEvent } from '../audit/auth-event.entity.js';
import { describeEvent, describeUserAgent } from './account-words.js';

describe('account page words', () => {
  it('names browser and system of common User-Agent headers', () => {
    expect(
      describeUserAgent(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
      ),
    ).toBe('Chrome on Linux');
    expect(describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0')).toBe(
      'Firefox on Windows',
    );
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari on iOS');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0',
      ),
    ).toBe('Edge on Windows');
    expect(describeUserAgent('curl/8.5.0')).toBe('curl');
    expect(describeUserAgent(null)).toBeNull();
    expect(describeUserAgent('x'.repeat(100))).toBe(`${'x'.repeat(57)}…`);
  });

  it('has words for every audit event type', () => {
    for (const type of AUTH_EVENT_TYPES) {
      const line = describeEvent({ type, createdAt: new Date(0), ip: null, userAgent: null } as AuthEvent);
      expect(line.what).not.toContain('_');
      expect(line.what.length).toBeGreaterThan(5);
    }
  });
});
