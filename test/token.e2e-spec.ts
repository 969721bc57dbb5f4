import bcrypt from 'bcryptjs';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { client, type Client } from './support/http.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';

const PASSWORD = 'correct horse battery staple';

describe('POST /auth/token (password grant)', () => {
  let t: TestApp;
  let http: Client;

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
    await http.post('/auth/register', { json: { email: 'dave@example.com', password: PASSWORD, username: 'dave' } });
  });
  afterAll(() => t.close());

  it('returns the RFC 6749 body with no-store headers and a contract-shaped JWT', async () => {
    const res = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'dave@example.com', password: PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
      scope: 'profile',
    });
    const header = decodeProtectedHeader(res.body.access_token);
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: expect.any(String) });
    const claims = decodeJwt(res.body.access_token);
    expect(Object.keys(claims).sort()).toEqual(
      ['acr', 'amr', 'aud', 'auth_time', 'email', 'exp', 'iat', 'iss', 'jti', 'roles', 'scope', 'sid', 'sub'].sort(),
    );
    expect(claims).toMatchObject({
      iss: 'http://localhost:3000',
      aud: 'warden',
      email: 'dave@example.com',
      roles: ['user'],
      scope: 'profile',
      acr: 'aal1',
      amr: ['pwd'],
    });
    expect(claims.auth_time).toBeLessThanOrEqual(claims.iat!);
    expect(claims.exp! - claims.iat!).toBe(900);
    const sessions = await t.dataSource.query('SELECT id, user_id FROM sessions WHERE id = $1', [claims.sid]);
    expect(sessions).toEqual([{ id: claims.sid, user_id: claims.sub }]);
    const [stored] = await t.dataSource.query('SELECT token_hash FROM refresh_tokens WHERE session_id = $1', [
      claims.sid,
    ]);
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.token_hash).not.toContain(res.body.refresh_token);
  });

  it("accepts a username, a JSON body, and ignores Swagger UI's empty Basic client credentials", async () => {
    const res = await http.post('/auth/token', {
      json: { grant_type: 'password', username: 'DAVE', password: PASSWORD },
      headers: { authorization: 'Basic Og==' },
    });
    expect(res.status).toBe(200);
  });

  it('gives one message for an unknown email and a wrong password', async () => {
    const unknown = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'nobody@example.com', password: PASSWORD },
    });
    const wrong = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'dave@example.com', password: 'wrong password!' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid email or password' });
    expect(wrong.body).toEqual(unknown.body);
  });

  it.each([
    [{ username: 'dave@example.com', password: PASSWORD }, 'invalid_request', /grant_type/],
    [{ grant_type: 'password', password: PASSWORD }, 'invalid_request', /username/],
    [{ grant_type: 'password', username: 'dave@example.com' }, 'invalid_request', /password/],
    [{ grant_type: 'implicit' }, 'unsupported_grant_type', /grant_type/],
    [
      { grant_type: 'password', username: 'dave@example.com', password: PASSWORD, scope: 'users:read' },
      'invalid_scope',
      /scope/,
    ],
    [
      { grant_type: 'password', username: 'dave@example.com', password: PASSWORD, scope: 'launch-missiles' },
      'invalid_scope',
      /scope/,
    ],
  ])('answers %j with %s', async (form, error, description) => {
    const res = await http.post('/auth/token', { form: form });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(error);
    expect(res.body.error_description).toMatch(description);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers invalid_request for a duplicated parameter', async () => {
    const res = await http.post('/auth/token', {
      raw: 'grant_type=password&username=dave&username=eve&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'Parameter username is duplicated' });
  });

  it('grants the requested scope when allowed', async () => {
    const res = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'dave', password: PASSWORD, scope: 'profile' },
    });
    expect(res.body.scope).toBe('profile');
  });

  it('refuses a disabled account with invalid_grant', async () => {
    await http.post('/auth/register', { json: { email: 'off@example.com', password: PASSWORD } });
    await t.dataSource.query("UPDATE users SET disabled_at = now() WHERE email = 'off@example.com'");
    const res = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'off@example.com', password: PASSWORD },
    });
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'This account is disabled' });
  });

  it.each(['$2b$', '$2a$', '$2y$'])(
    'logs in a legacy bcrypt (%s) user and upgrades the hash to argon2id',
    async (prefix) => {
      const email = `legacy${prefix.replace(/\$/g, '')}@example.com`;
      const legacy = bcrypt.hashSync(PASSWORD, 4).replace(/^\$2[aby]\$/, prefix);
      await t.dataSource.query('INSERT INTO users (email, password_hash, email_verified_at) VALUES ($1, $2, now())', [
        email,
        legacy,
      ]);
      const res = await http.post('/auth/token', {
        form: { grant_type: 'password', username: email, password: PASSWORD },
      });
      expect(res.status).toBe(200);
      const [row] = await t.dataSource.query('SELECT password_hash FROM users WHERE email = $1', [email]);
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      const again = await http.post('/auth/token', {
        form: { grant_type: 'password', username: email, password: PASSWORD },
      });
      expect(again.status).toBe(200);
    },
  );

  it('upgrades an argon2 hash with out-of-date parameters on login', async () => {
    const argon2 = (await import('argon2')).default;
    const old = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 4096, timeCost: 3, parallelism: 1 });
    await t.dataSource.query(
      "INSERT INTO users (email, password_hash, email_verified_at) VALUES ('oldparams@example.com', $1, now())",
      [old],
    );
    const res = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'oldparams@example.com', password: PASSWORD },
    });
    expect(res.status).toBe(200);
    const [row] = await t.dataSource.query("SELECT password_hash FROM users WHERE email = 'oldparams@example.com'");
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });
});

describe('POST /auth/token with AUTH_REQUIRE_EMAIL_VERIFICATION=true', () => {
  let t: TestApp;
  beforeAll(async () => {
    await resetDatabase();
    t = await startApp({ AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' });
  });
  afterAll(() => t.close());

  it('refuses an unverified user with invalid_grant naming the reason', async () => {
    const http = client(t.url);
    await http.post('/auth/register', { json: { email: 'new@example.com', password: PASSWORD } });
    const res = await http.post('/auth/token', {
      form: { grant_type: 'password', username: 'new@example.com', password: PASSWORD },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'The email address is not verified yet' });
  });
});
