import { client, type Client } from './support/http.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';

describe('POST /auth/register', () => {
  let t: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
  });
  afterAll(() => t.close());

  it('creates an unverified user from JSON and answers the public user shape', async () => {
    const res = await http.post('/auth/register', {
      json: {
        email: '  Carol@Example.COM ',
        password: 'a fine long passphrase',
        username: 'Carol_1',
        display_name: 'Carol',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'carol@example.com',
      username: 'carol_1',
      display_name: 'Carol',
      email_verified: false,
      roles: ['user'],
      disabled: false,
      mfa_enabled: false,
      created_at: expect.stringMatching(/Z$/),
      updated_at: expect.stringMatching(/Z$/),
    });
    expect(res.text).not.toMatch(/argon2|password/i);
    const [row] = await t.dataSource.query('SELECT password_hash, email_verified_at FROM users WHERE email = $1', [
      'carol@example.com',
    ]);
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(row.email_verified_at).toBeNull();
  });

  it('accepts a form-urlencoded body', async () => {
    const res = await http.post('/auth/register', {
      form: { email: 'form@example.com', password: 'a fine long passphrase' },
    });
    expect(res.status).toBe(201);
    expect(res.body.email).toBe('form@example.com');
  });

  it('answers 409 for an email that differs only in case', async () => {
    expect(
      (await http.post('/auth/register', { json: { email: 'alice@example.com', password: 'a fine long passphrase' } }))
        .status,
    ).toBe(201);
    const res = await http.post('/auth/register', {
      json: { email: 'Alice@Example.com', password: 'another fine passphrase' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict', message: 'Email is already registered' });
    expect(res.body.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('lets exactly one of 20 parallel registrations of one email win, the rest 409, no 5xx', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () =>
        http.post('/auth/register', { json: { email: 'race@example.com', password: 'a fine long passphrase' } }),
      ),
    );
    const statuses = attempts.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const [{ count }] = await t.dataSource.query(
      "SELECT count(*)::int AS count FROM users WHERE email = 'race@example.com'",
    );
    expect(count).toBe(1);
  });

  it('answers 409 for a taken username', async () => {
    await http.post('/auth/register', {
      json: { email: 'u1@example.com', password: 'a fine long passphrase', username: 'taken' },
    });
    const res = await http.post('/auth/register', {
      json: { email: 'u2@example.com', password: 'a fine long passphrase', username: 'TAKEN' },
    });
    expect(res.status).toBe(409);
    expect(res.body.message).toBe('Username is already taken');
  });

  it('names each bad field in a 400 message array and stores nothing', async () => {
    const res = await http.post('/auth/register', { json: { email: 'not-an-email', password: 42, username: 'a@b' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^email /),
        expect.stringMatching(/^password /),
        expect.stringMatching(/^username /),
      ]),
    );
    const [{ count }] = await t.dataSource.query(
      "SELECT count(*)::int AS count FROM users WHERE email = 'not-an-email'",
    );
    expect(count).toBe(0);
  });

  it('refuses unknown fields such as roles (no mass assignment)', async () => {
    const res = await http.post('/auth/register', {
      json: { email: 'mallory@example.com', password: 'a fine long passphrase', roles: ['admin'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('property roles should not exist');
    const rows = await t.dataSource.query("SELECT 1 FROM users WHERE email = 'mallory@example.com'");
    expect(rows).toHaveLength(0);
  });

  it.each([
    ['too short', 'short', /at least 8 characters/],
    ['too long', 'x'.repeat(129), /shorter than or equal to 128|at most 128/],
    ['common', 'password123', /too common/],
    ['common in another case', 'PassWord123', /too common/],
  ])('refuses a %s password with a message saying why', async (_case, password, why) => {
    const res = await http.post('/auth/register', { json: { email: `pw-${Math.random()}@example.com`, password } });
    expect(res.status).toBe(400);
    expect(res.body.message.join(' ')).toMatch(why);
  });

  it('accepts a long unicode passphrase without composition rules', async () => {
    const res = await http.post('/auth/register', {
      json: { email: 'uni@example.com', password: 'ça va très bien, merci 🌻' },
    });
    expect(res.status).toBe(201);
  });
});
