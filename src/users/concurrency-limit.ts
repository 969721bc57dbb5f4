/**
 * At most `limit` tasks run at once; the others wait in order. Used to keep argon2 from taking
 * every thread of libuv's pool (see PasswordHasherService).
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next task, so that `running` never dips and lets a newcomer overtake.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
