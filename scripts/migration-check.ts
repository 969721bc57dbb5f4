// Fails (exit 1) when the entities and the migrations disagree: applies every migration to a
// throwaway database, then asks TypeORM which statements would still be needed.
import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { allMigrations } from '../migrations/index.js';
import { dataSourceOptions } from '../src/config/database.js';

async function main(): Promise<number> {
  const listed = new Set(allMigrations.map((m) => m.name));
  const unlisted = readdirSync(new URL('../migrations/', import.meta.url))
    .filter((f) => /^\d+-\w+\.ts$/.test(f))
    .map((f) => f.replace(/^(\d+)-(\w+)\.ts$/, '$2$1'))
    .filter((name) => !listed.has(name));
  if (unlisted.length > 0) {
    console.error(`migration:check: not listed in migrations/index.ts: ${unlisted.join(', ')}`);
    return 1;
  }

  const databaseUrl = process.env.MIGRATION_CHECK_DATABASE_URL;
  const dataSource = new DataSource(dataSourceOptions({ databaseUrl, dataDir: null }));
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const pending = await dataSource.driver.createSchemaBuilder().log();
    if (pending.upQueries.length > 0) {
      console.error('migration:check: the entities differ from the migrations; missing statements:');
      for (const q of pending.upQueries) console.error(`  ${q.query}`);
      console.error('Run: npm run migration:generate -- migrations/<Name>');
      return 1;
    }
    console.log(`migration:check: ${allMigrations.length} migration(s) match the entities`);
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('migration:check failed:', err);
    process.exit(1);
  },
);
