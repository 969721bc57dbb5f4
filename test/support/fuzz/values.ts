import fc from 'fast-check';

/** Strings an attacker would try: injection, traversal, header splitting, unicode oddities. */
export const NASTY_STRINGS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '1; SELECT pg_sleep(5)',
  "admin'--",
  '$where',
  '{"$gt": ""}',
  '{"$ne": null}',
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e/%2e%2e/dev/null',
  '....//....//etc/passwd',
  'C:\\Windows\\win.ini',
  'line\r\nSet-Cookie: pwned=1',
  '%0d%0aX-Injected:%201',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '%s%s%s%n',
  '\u0000',
  'a\u0000b',
  '\uFEFF',
  '\uD800',
  '\u202Egnp.exe',
  'ＡＤＭＩＮ@ＥＸＡＭＰＬＥ.ＣＯＭ',
  'İstanbul@example.com',
  'ß@example.com',
  'a\u0301@example.com',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '🙂'.repeat(40),
  'admin@example.com',
  'Alice@Example.COM',
  ' alice@example.com ',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '9'.repeat(40),
  '00000000-0000-0000-0000-000000000000',
  'true',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
];

/** Keys that try prototype pollution, mass assignment and NoSQL operators. */
export const NASTY_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '$gt',
  '$ne',
  '$where',
  'roles',
  'role',
  'is_admin',
  'isAdmin',
  'admin',
  'disabled',
  'email_verified',
  'emailVerifiedAt',
  'password_hash',
  'passwordHash',
  'id',
  'user_id',
  'sub',
  'scope',
  'SELECT * FROM users',
];

export const nastyString = fc.constantFrom(...NASTY_STRINGS);

export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.emailAddress() },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.integer({ min: 129, max: 5000 }).map((n) => 'x'.repeat(n)) },
);

export const anyKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...NASTY_KEYS) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
);

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1, 2 ** 31, 2 ** 53 + 1, 1e308, -0, 0.5) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Any JSON value, nested a little; objects may carry the nasty keys as own properties. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyKey, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;

export interface FieldSchema {
  type?: string;
  enum?: unknown[];
}

/** A well-formed value for a field, by its name and type, so that requests reach the services. */
export function plausibleValue(
  name: string,
  schema: FieldSchema | undefined,
  victimEmail: string,
): fc.Arbitrary<unknown> {
  if (schema?.enum) return fc.constantFrom(...schema.enum);
  if (schema?.type === 'boolean') return fc.boolean();
  if (schema?.type === 'integer' || schema?.type === 'number') return fc.integer({ min: 1, max: 100 });
  if (schema?.type === 'array') return fc.subarray(['user', 'admin']);
  if (/email/.test(name)) return fc.oneof(fc.emailAddress(), fc.constantFrom(victimEmail, victimEmail.toUpperCase()));
  if (name === 'username') return fc.oneof(fc.stringMatching(/^[a-z0-9_.-]{3,12}$/), fc.constant(victimEmail));
  if (/password/.test(name)) return fc.string({ minLength: 8, maxLength: 40 });
  if (name === 'code') return fc.stringMatching(/^\d{6}$/);
  if (name === 'scope') return fc.constantFrom('profile', 'users:read', 'profile users:read users:write', 'admin');
  if (/token/.test(name)) return fc.string({ minLength: 20, maxLength: 90 });
  return fc.string({ maxLength: 30 });
}

/** A value for a field: plausible, wrong-typed or hostile. */
export function hostileValue(
  name: string,
  schema: FieldSchema | undefined,
  victimEmail: string,
): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 2, arbitrary: plausibleValue(name, schema, victimEmail) },
    { weight: 2, arbitrary: anyString },
    { weight: 2, arbitrary: anyJson },
  );
}

/**
 * Raw bodies that are not what they claim to be: broken JSON, deep nesting, prototype pollution
 * spelled out as JSON text (an object literal cannot carry an own `__proto__` through
 * JSON.stringify), byte-order marks, NUL bytes.
 */
export const rawBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{"__proto__":{"polluted":"yes","roles":["admin"]}}',
    '{"constructor":{"prototype":{"polluted":"yes"}}}',
    '{"email":"a@example.com","password":"long enough passphrase","__proto__":{"isAdmin":true}}',
    '{"a":{"b":{"__proto__":{"polluted":"yes"}}}}',
    '[{"__proto__":{"polluted":"yes"}}]',
    '{"roles":{"__proto__":["admin"]}}',
    '{"email":',
    '{"email":"a@example.com",}',
    "{'email':'a@example.com'}",
    '\uFEFF{"email":"a@example.com"}',
    '{"email":"a\u0000b@example.com"}',
    'null',
    'true',
    '"just a string"',
    '12345678901234567890',
    '[]',
    '',
    ' ',
    '{"email":"a@example.com","email":"b@example.com"}',
    '{"page":{"$gt":0}}',
  ),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 100, max: 10_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  fc.integer({ min: 65_000, max: 70_000 }).map((size) => JSON.stringify({ email: 'x'.repeat(size) })),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

/** Raw urlencoded bodies: bracket notation, duplicated keys, broken escapes. */
export const rawForm: fc.Arbitrary<string> = fc.constantFrom(
  '__proto__[polluted]=yes&email=a%40example.com',
  'constructor[prototype][polluted]=yes',
  '__proto__=polluted',
  'grant_type=password&grant_type=refresh_token',
  'username[]=a&username[]=b&password=x',
  'email=%E0%A4%A&password=%',
  'email=a%00b%40example.com&password=12345678',
  'roles[0]=admin&roles[__proto__]=admin',
  '&&&===&&&',
  'a=' + '%41'.repeat(5000),
);
