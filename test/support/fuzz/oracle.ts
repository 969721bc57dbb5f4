import type { DataSource } from 'typeorm';
import type { FuzzRequest } from './requests.js';

/**
 * What must never appear in an answer: stack frames, SQL, driver or ORM errors, file paths,
 * hashes. An unknown field name echoed back ("property X should not exist") is not a leak, so
 * a match that is part of what the request itself sent is ignored.
 */
export const LEAK_PATTERNS: RegExp[] = [
  /at .*\(.*:\d+/,
  /QueryFailedError|TypeORMError|EntityNotFound|EntityMetadataNotFound|QueryRunner/,
  /\b(?:SELECT|INSERT INTO|DELETE FROM|UPDATE \S+ SET)\s/,
  /duplicate key value|violates .* constraint|relation "\w+"|syntax error at or near/,
  /node_modules|\/work\/|\/src\/\w|\.ts:\d+|\.js:\d+/,
  /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|Maximum call stack)\b/,
  /\$argon2id?\$|\$2[aby]\$\d\d\$|password_hash/,
  /pglite|typeorm|ioredis|ECONNREFUSED/i,
];

function stringLeaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringLeaves(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringLeaves(v, out);
    }
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Everything the request carried, in the forms the server could have echoed it. */
export function sentText(request: FuzzRequest): string {
  const parts = [request.url, safeDecode(request.url), ...Object.values(request.headers)];
  if (request.body !== undefined) {
    parts.push(request.body, safeDecode(request.body));
    try {
      parts.push(...stringLeaves(JSON.parse(request.body)));
    } catch {
      /* not JSON */
    }
  }
  return parts.join('\n');
}

/** The leak patterns found in a response body that the request did not itself send. */
export function leaksIn(body: string, sent: string): string[] {
  let texts: string[];
  try {
    texts = stringLeaves(JSON.parse(body));
  } catch {
    texts = [body];
  }
  const found: string[] = [];
  for (const text of texts) {
    for (const pattern of LEAK_PATTERNS) {
      const match = pattern.exec(text);
      if (match && !sent.includes(match[0]) && !sent.includes(text))
        found.push(`${pattern.source} in ${JSON.stringify(text).slice(0, 200)}`);
    }
  }
  return found;
}

/**
 * A checksum of the rows a refused (4xx) request must not change. Left out on purpose: the
 * bookkeeping of refusals itself (login_throttle, auth_events, a code's wrong-try counter) and
 * what background workers change (mail status, last_used_at).
 */
export async function keyTablesChecksum(ds: DataSource): Promise<string> {
  const [row] = await ds.query<Array<{ sum: string | null }>>(`
    SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) AS sum FROM (
      SELECT 'u' || md5(row(id, email, username, display_name, password_hash, email_verified_at, roles, disabled_at)::text) AS x FROM users
      UNION ALL SELECT 's' || md5(row(id, user_id, revoked_at, expires_at, scope)::text) FROM sessions
      UNION ALL SELECT 'r' || md5(row(id, session_id, token_hash, rotated_at)::text) FROM refresh_tokens
      UNION ALL SELECT 'c' || md5(row(id, user_id, purpose, target_email, code_hash, consumed_at, expires_at)::text) FROM email_codes
      UNION ALL SELECT 'p' || md5(row(id, user_id, token_hash, used_at, expires_at)::text) FROM password_reset_tokens
      UNION ALL SELECT 'm' || id::text FROM mail_outbox
    ) t`);
  return row.sum ?? '';
}

/** Own properties of the built-in prototypes: a polluted prototype shows up here. */
export function prototypeSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype]
    .map((proto) => Object.getOwnPropertyNames(proto).sort().join(','))
    .join('|');
}
