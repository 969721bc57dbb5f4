import { hasUnstorableText } from './request-text.js';

describe('hasUnstorableText', () => {
  it('finds NUL and lone surrogates in any key or value, and accepts pairs', () => {
    expect(hasUnstorableText({ email: 'a@example.com', n: 1, list: ['🙂', null], é: 'ü' })).toBe(false);
    expect(hasUnstorableText(JSON.parse('{"email":"\\ud800"}'))).toBe(true);
    expect(hasUnstorableText(JSON.parse('{"a":["x\\udc00y"]}'))).toBe(true);
    expect(hasUnstorableText(JSON.parse('{"\\ud83d":1}'))).toBe(true);
    expect(hasUnstorableText(JSON.parse('"\\ud83d\\ude42"'))).toBe(false);
    expect(hasUnstorableText({ display_name: 'a\u0000b' })).toBe(true);
    expect(hasUnstorableText({ ['k\u0000']: 'v' })).toBe(true);
    expect(hasUnstorableText(undefined)).toBe(false);
  });
});
