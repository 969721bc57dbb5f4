import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { DataSource } from 'typeorm';
import { detectFormat, type ImportRow, RowReader } from './import-rows.js';

export const IMPORT_BATCH_SIZE = 1000;

export interface ImportSummary {
  imported: number;
  skipped: number;
  rejected: number;
  seconds: number;
  peakRssMb: number;
}

export function formatSummary(s: ImportSummary): string {
  return `imported ${s.imported}, skipped ${s.skipped}, rejected ${s.rejected} in ${s.seconds.toFixed(1)}s (peak RSS ${s.peakRssMb} MB)`;
}

// One statement per batch: existing emails (and usernames) are left alone, which makes a
// re-run of the same file a no-op. Unverified unless the export says otherwise.
const INSERT_BATCH = `
  INSERT INTO users (email, password_hash, email_verified_at, username)
  SELECT r.email, r.hash, CASE WHEN r.verified THEN now() END, r.username
    FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[]) AS r(email, hash, verified, username)
  ON CONFLICT DO NOTHING
  RETURNING email`;

/**
 * `users:import FILE`: streams a CSV or JSON-lines export line by line (readline applies
 * back-pressure, so memory does not grow with the file) and inserts it in batches.
 */
@Injectable()
export class UsersImporter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async run(path: string, reject: (line: number, reason: string) => void): Promise<ImportSummary> {
    const started = process.hrtime.bigint();
    await stat(path); // a clear ENOENT before anything else
    const totals = { imported: 0, skipped: 0, rejected: 0 };
    const rejectRow = (line: number, reason: string) => {
      totals.rejected++;
      reject(line, reason);
    };
    const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
    let reader: RowReader | undefined;
    let batch: ImportRow[] = [];
    let lineNo = 0;
    for await (const raw of lines) {
      lineNo++;
      const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (!reader) {
        if (!text.trim()) continue;
        reader = new RowReader(detectFormat(path, text));
      }
      const result = reader.read(text, lineNo);
      if (result === null) continue;
      if ('error' in result) rejectRow(lineNo, result.error);
      else batch.push(result.row);
      if (batch.length >= IMPORT_BATCH_SIZE) {
        await this.insert(batch, totals, rejectRow);
        batch = [];
      }
    }
    if (batch.length > 0) await this.insert(batch, totals, rejectRow);
    return {
      ...totals,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  }

  private async insert(
    rows: ImportRow[],
    totals: { imported: number; skipped: number },
    rejectRow: (line: number, reason: string) => void,
  ): Promise<void> {
    const inserted: Array<{ email: string }> = await this.dataSource.query(INSERT_BATCH, [
      rows.map((r) => r.email),
      rows.map((r) => r.passwordHash),
      rows.map((r) => r.emailVerified),
      rows.map((r) => r.username),
    ]);
    totals.imported += inserted.length;
    if (inserted.length === rows.length) return;
    // Not inserted: its email exists (skipped: idempotent re-run, or a repeat in the file), or
    // else its username belongs to another account (rejected).
    const fresh = new Map<string, number>();
    for (const { email } of inserted) fresh.set(email, (fresh.get(email) ?? 0) + 1);
    const left = rows.filter((row) => {
      const count = fresh.get(row.email) ?? 0;
      if (count > 0) fresh.set(row.email, count - 1);
      return count === 0;
    });
    const existing: Array<{ email: string }> = await this.dataSource.query(
      'SELECT email FROM users WHERE email = ANY($1::text[])',
      [left.map((row) => row.email)],
    );
    const known = new Set(existing.map((row) => row.email));
    for (const row of left) {
      if (known.has(row.email)) totals.skipped++;
      else rejectRow(row.line, 'username is already taken by another account');
    }
  }
}
