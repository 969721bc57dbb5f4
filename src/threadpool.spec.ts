import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const preload = fileURLToPath(new URL('./threadpool.cjs', import.meta.url));
// Prints the nice value of every thread of the process, after the pool exists.
const script = `
const fs = require('node:fs');
fs.stat(__filename, () => {
  const nice = fs.readdirSync('/proc/self/task').map((t) =>
    Number(fs.readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ')[16]));
  console.log(JSON.stringify(nice));
});`;

function threadNiceValues(env: Record<string, string>): number[] {
  const out = execFileSync(process.execPath, ['--require', preload, '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as number[];
}

// Reads /proc: Linux, where Warden runs in production and in CI.
describe('threadpool.cjs preload', () => {
  it("lowers exactly the libuv pool's threads to nice 10; the event loop keeps nice 0", () => {
    const nice = threadNiceValues({ UV_THREADPOOL_SIZE: '5' });
    expect(nice[0]).toBe(0); // the main thread is listed first
    expect(nice.filter((n) => n === 10)).toHaveLength(5);
    expect(nice.filter((n) => n !== 10 && n !== 0)).toEqual([]);
  });

  it('leaves every thread alone with POOL_NICE=0', () => {
    const nice = threadNiceValues({ UV_THREADPOOL_SIZE: '4', POOL_NICE: '0' });
    expect(nice.every((n) => n === 0)).toBe(true);
  });
});
