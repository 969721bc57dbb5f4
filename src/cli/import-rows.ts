import { extname } from 'node:path';
import { isEmail } from 'class-validator';
import { normalizeEmail } from '../users/email.js';
import { USERNAME_PATTERN } from '../users/dto/update-me.dto.js';
import { bcryptCost, MAX_BCRYPT_COST } from '../users/hash-costs.js';

export type ImportFormat = 'csv' | 'jsonl';

/** One account to import, as read from line `line` of the file. */
export interface ImportRow {
  line: number;
  email: string;
  passwordHash: string;
  emailVerified: boolean;
  username: string | null;
}

export type RowResult = { row: ImportRow } | { error: string } | null;

/** Thrown when the file as a whole cannot be imported (bad CSV header). */
export class ImportFileError extends Error {}

// passlib / Flask-Bcrypt / bcrypt (2a, 2b, 2y) and PHC-format argon2 (argon2-cffi, passlib).
const BCRYPT = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;
// PHC strings list m, t, p in any order (argon2-cffi: m,t,p; node-argon2: m,p,t).
const ARGON2 = /^\$argon2(id|i|d)\$v=\d+\$[mtp]=\d+(,[mtp]=\d+){2}\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
/** The costliest argon2 parameters imported: m = 256 MiB (in KiB), t = 10 passes, p = 8 lanes. */
export const MAX_ARGON2 = { m: 262_144, t: 10, p: 8 } as const;
const TRUE = ['true', 't', '1', 'yes', 'y'];
const FALSE = ['false', 'f', '0', 'no', 'n', ''];

export function detectFormat(path: string, firstLine: string): ImportFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (['.jsonl', '.ndjson', '.json'].includes(ext)) return 'jsonl';
  return firstLine.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

/** One RFC 4180 record on one line (quoted fields, doubled quotes); null when a quote is left open. */
export function parseCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}

function verifiedFlag(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (TRUE.includes(text)) return true;
  if (FALSE.includes(text)) return false;
  return undefined;
}

/**
 * A hash that would cost too much to verify at login (every login of it, and every guess, pays
 * the cost; a `$2b$31$` hash takes days) is refused: the account can be reset instead.
 */
function hashCostError(hash: string): string | null {
  const cost = bcryptCost(hash);
  if (cost !== null) {
    return cost > MAX_BCRYPT_COST ? `password_hash bcrypt cost ${cost} is above ${MAX_BCRYPT_COST}` : null;
  }
  const params = Object.fromEntries(
    hash
      .split('$')[3]
      .split(',')
      .map((pair) => pair.split('=') as [string, string]),
  ) as Record<keyof typeof MAX_ARGON2, string>;
  for (const name of ['m', 't', 'p'] as const) {
    if (Number(params[name]) > MAX_ARGON2[name]) {
      return `password_hash argon2 parameter ${name}=${params[name]} is above ${name}=${MAX_ARGON2[name]}`;
    }
  }
  return null;
}

/** Validates one record; the messages name the field, never its value (hashes stay out of logs). */
export function validateRecord(record: Record<string, unknown>, line: number): RowResult {
  const { email, password_hash: hash, email_verified: verified, username } = record;
  if (typeof email !== 'string' || !email.trim()) return { error: 'email is missing' };
  const normalized = normalizeEmail(email);
  if (normalized.length > 320 || !isEmail(normalized)) return { error: 'email is not a valid address' };
  if (typeof hash !== 'string' || !hash) return { error: 'password_hash is missing' };
  if (!BCRYPT.test(hash) && !(ARGON2.test(hash) && hash.length <= 255)) {
    return { error: 'password_hash is not a bcrypt ($2a$/$2b$/$2y$) or argon2 hash' };
  }
  const costError = hashCostError(hash);
  if (costError) return { error: costError };
  const emailVerified = verifiedFlag(verified);
  if (emailVerified === undefined) return { error: 'email_verified must be true or false' };
  let name: string | null = null;
  if (username !== undefined && username !== null && username !== '') {
    if (typeof username !== 'string') return { error: 'username must be a string' };
    name = username.trim().toLowerCase();
    if (!USERNAME_PATTERN.test(name)) return { error: 'username must be 3 to 32 characters of a-z, 0-9, _, . or -' };
  }
  return { row: { line, email: normalized, passwordHash: hash, emailVerified, username: name } };
}

/** Turns the lines of a CSV (with header) or JSON-lines export into validated rows. */
export class RowReader {
  private columns: string[] | undefined;

  constructor(readonly format: ImportFormat) {}

  read(text: string, line: number): RowResult {
    if (!text.trim()) return null;
    if (this.format === 'jsonl') return this.readJson(text, line);
    if (!this.columns) {
      this.columns = this.readHeader(text);
      return null;
    }
    const fields = parseCsvLine(text);
    if (!fields) return { error: 'unterminated quoted field' };
    if (fields.length !== this.columns.length) {
      return { error: `expected ${this.columns.length} fields, found ${fields.length}` };
    }
    const record = Object.fromEntries(this.columns.map((name, i) => [name, fields[i]]));
    return validateRecord(record, line);
  }

  private readHeader(text: string): string[] {
    const columns = parseCsvLine(text.replace(/^\uFEFF/, ''))?.map((name) => name.trim().toLowerCase());
    if (!columns || !columns.includes('email') || !columns.includes('password_hash')) {
      throw new ImportFileError(
        'The CSV header must name the columns: email,password_hash[,email_verified][,username]',
      );
    }
    return columns;
  }

  private readJson(text: string, line: number): RowResult {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { error: 'not valid JSON' };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'not a JSON object' };
    return validateRecord(value as Record<string, unknown>, line);
  }
}
