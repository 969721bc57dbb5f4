import { ConcurrencyLimit } from './concurrency-limit.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once, the rest in arrival order', async () => {
    const limit = new ConcurrencyLimit(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const releases: Array<() => void> = [];
    const task = (i: number) =>
      limit.run(async () => {
        active += 1;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise<void>((r) => releases.push(r));
        active -= 1;
        return i;
      });
    const all = Promise.all([0, 1, 2, 3, 4].map(task));
    await tick();
    expect(order).toEqual([0, 1]);
    expect(limit.queued).toBe(3);
    while (releases.length > 0) {
      releases.shift()!();
      await tick();
    }
    await expect(all).resolves.toEqual([0, 1, 2, 3, 4]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('frees the slot when a task fails', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});
