import { detectFormat, ImportFileError, parseCsvLine, RowReader, validateRecord } from './import-rows.js';

const BCRYPT = '$2b$04$Lkc9fhQ/AoYmLGYHKBi7a.0dF.o/1LfYNlT4YiE3yHx.GDuaebifW';
const ARGON_CFFI = '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG';
const ARGON_NODE = '$argon2id$v=19$m=4096,p=4,t=3$BCrhOZowt+e74h6HXaEb6g$IFvG6CX1JekRGDfePBRn7WbR34HtisBx6yBldnb08Us';

describe('detectFormat', () => {
  it('goes by the extension, then by the first character', () => {
    expect(detectFormat('users.csv', '{"email":1}')).toBe('csv');
    expect(detectFormat('users.JSONL', 'email,password_hash')).toBe('jsonl');
    expect(detectFormat('users.ndjson', '')).toBe('jsonl');
    expect(detectFormat('export.txt', '  {"email": "a@b.cd"}')).toBe('jsonl');
    expect(detectFormat('export', 'email,password_hash')).toBe('csv');
  });
});

describe('parseCsvLine', () => {
  it('splits RFC 4180 fields with quotes, doubled quotes and empty fields', () => {
    expect(parseCsvLine('a,"b,c","say ""hi""",,')).toEqual(['a', 'b,c', 'say "hi"', '', '']);
    expect(parseCsvLine('')).toEqual(['']);
  });

  it('returns null for an unterminated quote', () => {
    expect(parseCsvLine('"a,b')).toBeNull();
  });
});

describe('validateRecord', () => {
  const ok = (record: Record<string, unknown>) => validateRecord(record, 7);

  it('normalises the email and the username; reads verification flags as psql and JSON write them', () => {
    expect(ok({ email: ' Bob@Example.COM ', password_hash: BCRYPT, email_verified: 't', username: 'Bob_1' })).toEqual({
      row: { line: 7, email: 'bob@example.com', passwordHash: BCRYPT, emailVerified: true, username: 'bob_1' },
    });
    for (const [value, expected] of [
      [true, true],
      ['TRUE', true],
      ['1', true],
      [1, true],
      ['f', false],
      ['', false],
      [null, false],
      [undefined, false],
      [0, false],
    ] as const) {
      expect(ok({ email: 'a@example.com', password_hash: BCRYPT, email_verified: value })).toMatchObject({
        row: { emailVerified: expected },
      });
    }
  });

  it.each([BCRYPT, BCRYPT.replace('$2b$', '$2a$'), BCRYPT.replace('$2b$', '$2y$'), ARGON_CFFI, ARGON_NODE])(
    'accepts the hash %s',
    (hash) => {
      expect(ok({ email: 'a@example.com', password_hash: hash })).toMatchObject({ row: { passwordHash: hash } });
    },
  );

  it.each([
    'plaintext',
    'pbkdf2:sha256:600000$salt$hash',
    '$bcrypt-sha256$v=2,t=2b,r=12$n79VH.0Q2TMWmt3Oqt9uku$Kq4Noyk3094Y2QlB8NdRT8SvGiI4ft2',
    BCRYPT.slice(0, -1),
    BCRYPT.replace('$04$', '$03$'),
    '$argon2id$v=19$m=65536$c29tZXNhbHQ$RdescudvJCsgt3ub',
  ])('refuses the hash %s without echoing it', (hash) => {
    const result = ok({ email: 'a@example.com', password_hash: hash });
    expect(result).toEqual({ error: 'password_hash is not a bcrypt ($2a$/$2b$/$2y$) or argon2 hash' });
  });

  it.each([
    [{ password_hash: BCRYPT }, 'email is missing'],
    [{ email: 'nope', password_hash: BCRYPT }, 'email is not a valid address'],
    [{ email: 'a@example.com' }, 'password_hash is missing'],
    [
      { email: 'a@example.com', password_hash: BCRYPT, email_verified: 'perhaps' },
      'email_verified must be true or false',
    ],
    [{ email: 'a@example.com', password_hash: BCRYPT, username: 'a@b' }, 'username must be 3 to 32 characters'],
    [{ email: 'a@example.com', password_hash: BCRYPT, username: 42 }, 'username must be a string'],
  ])('refuses %j: %s', (record, message) => {
    expect((ok(record) as { error: string }).error).toContain(message);
  });
});

describe('RowReader', () => {
  it('maps CSV columns by header name, in any order, ignoring extra columns', () => {
    const reader = new RowReader('csv');
    expect(reader.read('id,Username,password_hash,EMAIL', 1)).toBeNull();
    expect(reader.read(`9,carol,${BCRYPT},carol@example.com`, 2)).toEqual({
      row: { line: 2, email: 'carol@example.com', passwordHash: BCRYPT, emailVerified: false, username: 'carol' },
    });
    expect(reader.read('   ', 3)).toBeNull();
    expect(reader.read('1,2', 4)).toEqual({ error: 'expected 4 fields, found 2' });
  });

  it('refuses a CSV without the email and password_hash columns', () => {
    expect(() => new RowReader('csv').read('mail,hash', 1)).toThrow(ImportFileError);
  });

  it('reads JSON objects, one a line', () => {
    const reader = new RowReader('jsonl');
    expect(reader.read(JSON.stringify({ email: 'd@example.com', password_hash: BCRYPT }), 1)).toMatchObject({
      row: { email: 'd@example.com' },
    });
    expect(reader.read('{oops', 2)).toEqual({ error: 'not valid JSON' });
    expect(reader.read('"text"', 3)).toEqual({ error: 'not a JSON object' });
    expect(reader.read('null', 4)).toEqual({ error: 'not a JSON object' });
  });
});
