import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/config/database.js';
import { prepared, preparedName } from '../src/config/prepared-statements.js';
import { TEST_DATABASE_URL } from './support/app.js';

// Hot statements run as named prepared statements on Postgres (parsed and planned once per
// connection); the embedded database runs the same texts as they are.
describe('prepared() statements', () => {
  let ds: DataSource;
  const hot = prepared('SELECT $1::int + 1 AS next, current_setting($2) AS setting');
  const cold = 'SELECT $1::int + 2 AS next';

  beforeAll(async () => {
    ds = new DataSource(dataSourceOptions({ databaseUrl: TEST_DATABASE_URL, dataDir: null, queryTimeoutSeconds: 5 }));
    await ds.initialize();
  });
  afterAll(() => ds.destroy());

  it('gives each registered text one stable name', () => {
    expect(preparedName(hot)).toMatch(/^warden_\d+$/);
    expect(prepared(hot)).toBe(hot);
    expect(preparedName(hot)).toBe(preparedName(prepared(hot)));
    expect(preparedName(cold)).toBeUndefined();
  });

  it('answers the same with fresh parameters on every call', async () => {
    const runner = ds.createQueryRunner();
    try {
      expect(await runner.query(hot, [1, 'TimeZone'])).toEqual([{ next: 2, setting: expect.any(String) }]);
      expect(await runner.query(hot, [41, 'DateStyle'])).toEqual([
        { next: 42, setting: expect.stringContaining('ISO') },
      ]);
      expect(await runner.query(cold, [1])).toEqual([{ next: 3 }]);
      const statements: Array<{ name: string; statement: string }> = await runner.query(
        'SELECT name, statement FROM pg_prepared_statements',
      );
      const names = statements.map((s) => s.name);
      if (TEST_DATABASE_URL) {
        // Postgres: the hot text is prepared once on this connection, the other is not.
        expect(statements).toContainEqual({ name: preparedName(hot), statement: hot });
        expect(statements.some((s) => s.statement === cold)).toBe(false);
      } else {
        expect(names).not.toContain(preparedName(hot));
      }
    } finally {
      await runner.release();
    }
  });
});
