import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './app-config.js';

// docs/configuration.md must name exactly the variables Warden reads, so the page cannot drift
// from the code: a new variable fails here until it is documented, a removed one until its row goes.
const ROOT = join(import.meta.dirname, '..', '..');
const CONFIG_DIR = join(ROOT, 'src', 'config');
/** Read before the application's modules load, so outside config/ (see the file). */
const PRELOAD = join(ROOT, 'src', 'threadpool.cjs');
const HELPERS = 'str|int|bool|duration|url|readFileVar';
const NAME = '[A-Z][A-Z0-9_]*';

const isSource = (f: string) => /\.(ts|cjs|mjs|js)$/.test(f) && !/\.spec\.ts$/.test(f);

function read(files: string[]): { file: string; text: string }[] {
  return files.map((file) => ({ file, text: readFileSync(file, 'utf8') }));
}

/** The config module and the preload: where the configuration is read. */
function sources(): { file: string; text: string }[] {
  const files = readdirSync(CONFIG_DIR)
    .filter(isSource)
    .map((f) => join(CONFIG_DIR, f));
  return read([...files, PRELOAD]);
}

/** Every source file of the server, for reads of process.env that bypass the config module. */
function allSources(): { file: string; text: string }[] {
  const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter(isSource)
    .map((f) => join(ROOT, 'src', f));
  return read(files);
}

/** Names read through the config helpers (`int(env, 'PORT', …)`), off an env object, or off process.env anywhere. */
function namesInSource(): Set<string> {
  const names = new Set<string>();
  const patterns = [
    new RegExp(`\\b(?:${HELPERS})\\(\\s*(?:env|\\{[^}]*\\})\\s*,\\s*['"](${NAME})['"]`, 'g'),
    new RegExp(`\\b(?:process\\.)?env\\.(${NAME})\\b`, 'g'),
    new RegExp(`\\b(?:process\\.)?env\\[\\s*['"](${NAME})['"]\\s*\\]`, 'g'),
  ];
  for (const { text } of sources()) {
    for (const pattern of patterns) for (const m of text.matchAll(pattern)) names.add(m[1]);
  }
  const processEnv = new RegExp(`\\bprocess\\.env(?:\\.(${NAME})\\b|\\[\\s*['"](${NAME})['"]\\s*\\])`, 'g');
  for (const { text } of allSources()) {
    for (const m of text.matchAll(processEnv)) names.add(m[1] ?? m[2]);
  }
  return names;
}

/** Helper calls whose name is not a literal would escape namesInSource. */
function nonLiteralReads(): string[] {
  const found: string[] = [];
  const call = new RegExp(`\\b(?:${HELPERS})\\(\\s*env\\s*,\\s*(?![\\s'"]|name\\b)([^,)]+)`, 'g');
  for (const { file, text } of sources()) {
    for (const m of text.matchAll(call)) found.push(`${file}: ${m[0]}`);
  }
  return found;
}

/** Every key loadConfig looks up, recorded by running it on an environment that logs each read. */
function namesReadAtRuntime(): Set<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-config-doc-'));
  const read = new Set<string>();
  const values: Record<string, string> = { DATA_DIR: dataDir };
  const env = new Proxy(values, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return typeof key === 'string' ? target[key] : undefined;
    },
  });
  try {
    loadConfig(env);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return read;
}

/** The variables named in the first column of the tables of docs/configuration.md. */
function namesInDoc(): Set<string> {
  const names = new Set<string>();
  const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  for (const line of doc.split('\n')) {
    const row = /^\|([^|]*)\|/.exec(line);
    if (!row) continue;
    for (const m of row[1].matchAll(new RegExp(`\`(${NAME})\``, 'g'))) names.add(m[1]);
  }
  return names;
}

describe('docs/configuration.md', () => {
  const read = new Set([...namesInSource(), ...namesReadAtRuntime()]);
  const documented = namesInDoc();

  it('finds the variables the configuration reads', () => {
    expect(nonLiteralReads()).toEqual([]);
    // A sanity floor: the parsing must keep finding the long-standing variables.
    for (const name of ['PORT', 'DATABASE_URL', 'JWT_SECRET', 'UV_THREADPOOL_SIZE', 'POOL_NICE']) {
      expect(read).toContain(name);
    }
  });

  it('documents every variable the configuration reads', () => {
    expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
  });

  it('documents no variable the configuration does not read', () => {
    expect([...documented].filter((name) => !read.has(name)).sort()).toEqual([]);
  });
});
