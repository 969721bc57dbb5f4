import type { PurgeReport } from '../retention/retention.service.js';

/** `table: rows` lines, one per table, or why nothing was done. */
export function formatPurgeReport(report: PurgeReport): string {
  if (report.skipped) return 'another instance is purging right now; nothing deleted';
  const width = Math.max(...Object.keys(report.deleted).map((table) => table.length));
  return Object.entries(report.deleted)
    .map(([table, rows]) => `${`${table}:`.padEnd(width + 2)}${rows}`)
    .join('\n');
}
