import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { testEnv } from './app.js';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run cli -- ...` as a real child process against DATA_DIR (or TEST_DATABASE_URL). */
export function cliRunner(dataDir: string) {
  const env = { ...process.env, ...testEnv({ DATA_DIR: dataDir }) };
  return (...args: string[]): Promise<CliResult> =>
    run(process.execPath, ['--import', './scripts/swc-loader.mjs', 'src/cli/main.ts', ...args], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
}

const SUMMARY = /^imported (\d+), skipped (\d+), rejected (\d+) in ([\d.]+)s \(peak RSS (\d+) MB\)$/m;

export function parseSummary(stdout: string) {
  const match = SUMMARY.exec(stdout);
  if (!match) throw new Error(`no summary line in: ${stdout}`);
  const [imported, skipped, rejected, seconds, peakRssMb] = match.slice(1).map(Number);
  return { imported, skipped, rejected, seconds, peakRssMb, line: match[0] };
}
