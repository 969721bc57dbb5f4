import { retryDelayMs } from './outbox-dispatcher.service.js';
import { OutboxSignal } from './outbox-signal.js';

describe('retryDelayMs', () => {
  it('doubles from the base on every failed attempt and stops at 15 minutes', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(5000, n))).toEqual([5000, 10000, 20000, 40000, 80000]);
    expect(retryDelayMs(5000, 30)).toBe(15 * 60_000);
  });
});

describe('OutboxSignal', () => {
  it('ends a wait early when notified, and at once when notified before the wait', async () => {
    const signal = new OutboxSignal();
    const start = Date.now();
    const waiting = signal.wait(10_000);
    setTimeout(() => signal.notify(), 20);
    await waiting;
    expect(Date.now() - start).toBeLessThan(1000);

    signal.notify();
    const again = Date.now();
    await signal.wait(10_000);
    expect(Date.now() - again).toBeLessThan(50);
  });

  it('waits the full time when nobody notifies', async () => {
    const start = Date.now();
    await new OutboxSignal().wait(60);
    expect(Date.now() - start).toBeGreaterThanOrEqual(55);
  });
});
