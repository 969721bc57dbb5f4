import { loadConfig } from './app-config.js';
import { parseTrustProxy } from './trust-proxy.js';

describe('parseTrustProxy', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', false],
    ['true', 1],
    ['TRUE', 1],
    ['1', 1],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.1 ,::1', ['10.0.0.0/8', '192.168.1.1', '::1']],
    ['loopback,fd00::/8', ['loopback', 'fd00::/8']],
  ])('reads %p as %p', (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual(expected);
  });

  it.each(['yes', '10.0.0.0/33', '::/129', '10.0.0', '1.2.3.4/8/8', '10.0.0.1,', 'proxy.example.com', '33', '-1'])(
    'refuses %p with one line naming TRUST_PROXY',
    (raw) => {
      const result = parseTrustProxy(raw);
      expect(result).toEqual({ error: expect.stringMatching(/^TRUST_PROXY [^\n]+$/) });
    },
  );

  it('stops loadConfig on a bad value', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'test',
        JWT_SECRET: 'trust-proxy-secret-0123456789-abcdefghij',
        TRUST_PROXY: '10.0.0.0/99',
      }),
    ).toThrow(/TRUST_PROXY must be true, false, a hop count/);
  });
});
