/**
 * Hot statements, run as named prepared statements on node-postgres connections: Postgres then
 * parses and plans each once per connection instead of on every call, which cuts Postgres'
 * CPU per call several times over for a join like the refresh grant's read.
 *
 * A statement opts in by wrapping its SQL text in `prepared()` where it is defined (once, at
 * module or constructor level); the pg client (database.ts) recognises the text and names it.
 * Only a fixed set of texts is ever named, so the per-connection statement cache stays small.
 * Select explicit columns in such statements: a prepared `SELECT *` fails once a deploy adds a
 * column ("cached plan must not change result type"). PGlite ignores all this.
 */
const names = new Map<string, string>();

export function prepared(sql: string): string {
  if (!names.has(sql)) names.set(sql, `warden_${names.size + 1}`);
  return sql;
}

/** The statement name of a registered SQL text, else undefined. */
export function preparedName(sql: string): string | undefined {
  return names.get(sql);
}
