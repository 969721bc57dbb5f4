import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * bcrypt compares in worker threads: bcryptjs is plain JavaScript, and a compare on the event
 * loop would stall every request for its whole duration (a cost-14 hash takes seconds). The
 * worker is inline CommonJS so that it loads the same way from sources, tests and the build.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptjs);
parentPort.on('message', ({ password, hash }) => {
  let valid = false;
  try { valid = bcrypt.compareSync(password, hash); } catch { valid = false; }
  parentPort.postMessage(valid);
});
`;

const bcryptjsPath = createRequire(import.meta.url).resolve('bcryptjs');

/** A small pool: the caller bounds the concurrency (PasswordHasherService's slots), so one worker per running compare. */
export class BcryptWorkers {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();

  compare(password: string, hash: string): Promise<boolean> {
    const worker = this.idle.pop() ?? this.spawn();
    return new Promise<boolean>((resolve, reject) => {
      const onMessage = (valid: boolean) => {
        worker.off('error', onError);
        this.idle.push(worker);
        resolve(valid);
      };
      const onError = (error: Error) => {
        worker.off('message', onMessage);
        this.all.delete(worker);
        reject(error);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.postMessage({ password, hash });
    });
  }

  async close(): Promise<void> {
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptjs: bcryptjsPath } });
    // An idle worker must not keep the process alive.
    worker.unref();
    this.all.add(worker);
    return worker;
  }
}
