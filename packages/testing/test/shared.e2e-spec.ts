import { spawn } from 'node:child_process';

const ROOT = new URL('../../../', import.meta.url).pathname;

/** Runs the `testing-shared` jest project (two files, one Warden from globalSetup) in a jest of its own. */
function runSharedProject(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--experimental-vm-modules',
        '--no-warnings',
        'node_modules/jest/bin/jest.js',
        '--selectProjects',
        'testing-shared',
        '--maxWorkers=2',
        '--detectOpenHandles',
      ],
      { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the globalSetup recipe: startSharedWarden() and connectWarden()', () => {
  it('shares one Warden between two test files in two workers, and its teardown leaves no handle open', async () => {
    const { code, output } = await runSharedProject();
    if (code !== 0) console.log(output);
    expect(code).toBe(0);
    expect(output).toMatch(/Test Suites: 2 passed, 2 total/);
    expect(output).toMatch(/Tests: {7}6 passed, 6 total/);
    expect(output).not.toMatch(/open handle/i);
  }, 120_000);
});
