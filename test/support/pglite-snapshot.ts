import { createHash } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { getPGliteInstance } from 'typeorm-pglite';
import { PGliteInstance } from 'typeorm-pglite/dist/pglite-instance.js';
import { dataSourceOptions } from '../../src/config/database.js';

const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);
const PGLITE_PACKAGE = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url);

/**
 * A new embedded database costs an initdb plus every migration, seconds of CPU, and the e2e files
 * open dozens of them. Each starts instead from a dump of a freshly migrated one, made once per
 * set of migrations (and PGlite version) and kept in the temp directory. The app still runs its
 * migrations at boot; none is pending.
 */
export async function openMigratedPglite(): Promise<void> {
  // Apps already open in this file share their database, as they would without the snapshot.
  if ((PGliteInstance as unknown as { instance: unknown }).instance) return;
  PGliteInstance.setOptions({ loadDataDir: await snapshot() });
  await getPGliteInstance();
}

async function snapshot(): Promise<Blob> {
  const file = join(tmpdir(), `warden-test-pglite-${await fingerprint()}.tar`);
  const cached = await readFile(file).catch(() => undefined);
  if (cached) return new Blob([cached]);
  PGliteInstance.setOptions({});
  const ds = new DataSource(dataSourceOptions({ dataDir: null }));
  await ds.initialize();
  try {
    await ds.runMigrations();
    const dump = await (await getPGliteInstance()).dumpDataDir('none');
    const partial = `${file}.${process.pid}`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
    return dump;
  } finally {
    await ds.destroy();
  }
}

async function fingerprint(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(PGLITE_PACKAGE));
  for (const name of (await readdir(MIGRATIONS_DIR)).sort()) {
    hash.update(name).update(await readFile(new URL(name, MIGRATIONS_DIR)));
  }
  return hash.digest('hex').slice(0, 16);
}
