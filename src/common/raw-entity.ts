import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * An entity's columns selected under a prefix in hand-written SQL, and the rows turned back
 * into entities without TypeORM's query builder and hydration (which cost more CPU than the
 * query itself on the hottest paths). The driver already converts the values (timestamptz to
 * Date, text[] to arrays), so mapping is a rename per column.
 */
export class RawEntity<T extends ObjectLiteral> {
  private readonly columns: Array<{ database: string; property: string }>;
  private readonly target: { new (): T };

  constructor(dataSource: DataSource, entity: EntityTarget<T>) {
    const metadata = dataSource.getMetadata(entity);
    this.target = metadata.target as { new (): T };
    // A relation's join column that is also a plain column (`userId` beside `user`) is mapped once, as the plain one.
    const byName = new Map<string, string>();
    for (const column of metadata.columns) {
      if (column.relationMetadata && column.propertyName === column.relationMetadata.propertyName) continue;
      byName.set(column.databaseName, column.propertyName);
    }
    this.columns = [...byName].map(([database, property]) => ({ database, property }));
  }

  /** `alias."column" AS "prefixcolumn", …` for a SELECT list. */
  select(alias: string, prefix: string): string {
    return this.columns.map((c) => `${alias}."${c.database}" AS "${prefix}${c.database}"`).join(', ');
  }

  from(row: Record<string, unknown>, prefix: string): T {
    const entity = new this.target();
    for (const c of this.columns) (entity as Record<string, unknown>)[c.property] = row[prefix + c.database];
    return entity;
  }
}
