import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The curl commands of a page of docs/, as written there (shell variables included). */
export function curlExamples(page: string): string[] {
  const doc = readFileSync(new URL(`../../docs/${page}`, import.meta.url), 'utf8');
  return [...doc.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1].trim()).filter((b) => b.startsWith('curl '));
}

/**
 * Runs the one example whose text contains `marker` against the app at `base`, with the page's
 * shell variables set; returns its output. The pages address `localhost:3000` (`npm start`).
 */
export async function runCurlExample(
  examples: string[],
  marker: string,
  base: string,
  vars: Record<string, string>,
): Promise<string> {
  const matching = examples.filter((e) => e.includes(marker));
  if (matching.length !== 1) throw new Error(`${matching.length} examples contain ${JSON.stringify(marker)}, not 1`);
  const command = matching[0].replaceAll('localhost:3000', base.replace(/^http:\/\//, ''));
  const { stdout } = await run('bash', ['-c', command], { env: { ...process.env, ...vars } });
  return stdout;
}
