import { waitAfterFailures } from './backoff.js';

describe('waitAfterFailures', () => {
  const policy = { base: 60, cap: 900 };

  it('waits nothing below the threshold, then 1, 2, 4, 8 minutes, capped at 15', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50].map((n) => waitAfterFailures(n, 5, policy));
    expect(waits).toEqual([0, 0, 0, 0, 60, 120, 240, 480, 900, 900, 900]);
  });

  it('applies the same curve from the per-account threshold and never overflows', () => {
    expect(waitAfterFailures(99, 100, policy)).toBe(0);
    expect(waitAfterFailures(100, 100, policy)).toBe(60);
    expect(waitAfterFailures(1_000_000, 100, policy)).toBe(900);
  });
});
