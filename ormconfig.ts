import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/config/database.js';

// The DataSource the TypeORM CLI uses (migration:generate/run/revert); the app builds its own
// from the same function. Only the database variables matter here.
export default new DataSource(
  dataSourceOptions({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: process.env.DATA_DIR || './data',
  }),
);
