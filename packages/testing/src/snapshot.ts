import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DataSource } from 'typeorm';
import { getPGliteInstance, PGliteDriver } from 'typeorm-pglite';
import { PGliteInstance } from 'typeorm-pglite/dist/pglite-instance.js';
import { allMigrations } from '../../../migrations/index.js';
import { dataSourceOptions } from '../../../src/config/database.js';

/**
 * A new embedded database costs an initdb plus every migration: seconds of CPU, on every start.
 * Each start loads instead a dump of a freshly migrated database, made once per set of
 * migrations and PGlite version and kept in the temp directory (one file; stop() never adds
 * another). Warden still runs its migrations at boot, and finds none pending.
 */
export async function openMigratedPglite(dataDir: string | null): Promise<void> {
  const dump = await snapshot();
  const dir = dataDir === null ? undefined : join(dataDir, 'pglite');
  if (dir) mkdirSync(dir, { recursive: true });
  // The driver's options (its boolean serializer) with the dump; Warden's DataSource reuses the instance.
  new PGliteDriver({ ...(dir ? { dataDir: dir } : {}), loadDataDir: dump });
  await getPGliteInstance();
}

export function closePglite(): Promise<void> {
  return PGliteInstance.close();
}

export function snapshotFile(): string {
  return join(tmpdir(), `warden-testing-pglite-${fingerprint()}.tar`);
}

async function snapshot(): Promise<Blob> {
  const file = snapshotFile();
  const cached = await readFile(file).catch(() => undefined);
  if (cached) return new Blob([cached]);
  new PGliteDriver({});
  const ds = new DataSource(dataSourceOptions({ dataDir: null }));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    const dump = await (await getPGliteInstance()).dumpDataDir('none');
    // Written aside and renamed: parallel workers making it at once never read half a file.
    const partial = `${file}.${process.pid}.${Date.now()}`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
    return dump;
  } finally {
    await ds.destroy();
    await PGliteInstance.close();
  }
}

function fingerprint(): string {
  // The package's exports hide its package.json: read the one above its entry point.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pglite = readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8');
  const hash = createHash('sha256').update(pglite);
  for (const migration of allMigrations) hash.update(`${migration.name}\n`);
  return hash.digest('hex').slice(0, 16);
}
