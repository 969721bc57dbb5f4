import { Injectable } from '@nestjs/common';

/** Wakes the outbox dispatcher early: a mail was committed here, or NOTIFY came from another instance. */
@Injectable()
export class OutboxSignal {
  private pending = false;
  private wakeWaiter?: () => void;

  notify(): void {
    this.pending = true;
    this.wakeWaiter?.();
  }

  /** Resolves after `ms`, or as soon as notify() is called (at once if it was called since the last wait). */
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakeWaiter = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      timer.unref();
      this.wakeWaiter = finish;
    });
  }
}
