import { decodeJwt } from 'jose';
import { LoginService } from '../src/auth/login.service.js';
import { UsersService } from '../src/users/users.service.js';
import { login, PASSWORD, registerAdmin } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { client, type Client } from './support/http.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('refresh tokens bound to their OAuth client', () => {
  let t: TestApp;
  let http: Client;
  let userId: string;
  let publicId: string;
  let otherPublicId: string;
  let confidential: { id: string; secret: string };

  /** A session opened for the client, as the authorization-code grant opens it (LoginService.complete). */
  async function clientSession(clientId: string, authTime?: Date) {
    const user = await t.app.get(UsersService).findById(userId);
    return t.app
      .get(LoginService)
      .complete({ user: user!, passwordHash: null, acr: 'aal1', amr: ['pwd'] }, {}, 'profile', 'token', {
        clientId,
        authTime,
      });
  }

  const refresh = (token: string, form: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    http.post('/auth/token', { form: { grant_type: 'refresh_token', refresh_token: token, ...form }, headers });

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
    http = client(t.url);
    await registerAdmin(http, t.dataSource, 'refresh-admin@example.com');
    const admin = (await login(http, 'refresh-admin@example.com', PASSWORD, 'users:write')).access_token;
    const make = async (json: Record<string, unknown>) =>
      (await http.post('/clients', { token: admin, json: { redirect_uris: ['https://r.example.com/cb'], ...json } }))
        .body;
    publicId = (await make({ name: 'Public' })).client_id;
    otherPublicId = (await make({ name: 'Other' })).client_id;
    const conf = await make({ name: 'Confidential', type: 'confidential' });
    confidential = { id: conf.client_id, secret: conf.client_secret };
    const registered = await http.post('/auth/register', { json: { email: 'rt@example.com', password: PASSWORD } });
    userId = registered.body.id;
  });
  afterAll(() => t.close());

  it("records the client and the browser login's auth_time on the session, and puts client_id in its tokens", async () => {
    const authTime = new Date(Date.now() - 120_000);
    const issued = await clientSession(publicId, authTime);
    const [row] = await t.dataSource.query('SELECT client_id, auth_time FROM sessions WHERE id = $1', [
      issued.session.id,
    ]);
    expect(row.client_id).toBe(publicId);
    expect(new Date(row.auth_time).getTime()).toBe(authTime.getTime());
    const claims = decodeJwt(issued.accessToken);
    expect(claims).toMatchObject({ sub: userId, sid: issued.session.id, client_id: publicId });
    expect(claims.auth_time).toBe(Math.floor(authTime.getTime() / 1000));
    expect((await http.get('/users/me', { token: issued.accessToken })).status).toBe(200);
  });

  it('a public client refreshes with its client_id; without it or with another client it is refused', async () => {
    const issued = await clientSession(publicId);
    const none = await refresh(issued.refreshToken);
    expect([none.status, none.body.error]).toEqual([401, 'invalid_client']);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="warden"');
    const other = await refresh(issued.refreshToken, { client_id: otherPublicId });
    expect([other.status, other.body.error]).toEqual([400, 'invalid_grant']);
    const unknown = await refresh(issued.refreshToken, { client_id: '00000000-0000-4000-8000-000000000000' });
    expect([unknown.status, unknown.body.error]).toEqual([401, 'invalid_client']);
    // The refusals did not use the token up.
    const ok = await refresh(issued.refreshToken, { client_id: publicId });
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.body.access_token)).toMatchObject({ client_id: publicId, sid: issued.session.id });
    const next = await refresh(ok.body.refresh_token, { client_id: publicId });
    expect(next.status).toBe(200);
  });

  it('a confidential client must authenticate to refresh (Basic or post), a client_id alone is not enough', async () => {
    const issued = await clientSession(confidential.id);
    const idOnly = await refresh(issued.refreshToken, { client_id: confidential.id });
    expect([idOnly.status, idOnly.body.error]).toEqual([401, 'invalid_client']);
    const wrong = await refresh(issued.refreshToken, {}, { authorization: basic(confidential.id, 'nope') });
    expect([wrong.status, wrong.body.error]).toEqual([401, 'invalid_client']);
    const viaBasic = await refresh(
      issued.refreshToken,
      {},
      { authorization: basic(confidential.id, confidential.secret) },
    );
    expect(viaBasic.status).toBe(200);
    const viaPost = await refresh(viaBasic.body.refresh_token, {
      client_id: confidential.id,
      client_secret: confidential.secret,
    });
    expect(viaPost.status).toBe(200);
    expect(decodeJwt(viaPost.body.access_token).client_id).toBe(confidential.id);
  });

  it('a password-grant session refreshes as before, with no client (Swagger’s empty Basic ignored), and not with one', async () => {
    const tokens = await login(http, 'rt@example.com');
    expect(decodeJwt(tokens.access_token)).not.toHaveProperty('client_id');
    const plain = await refresh(tokens.refresh_token, {}, { authorization: 'Basic Og==' });
    expect(plain.status).toBe(200);
    const withClient = await refresh(plain.body.refresh_token, { client_id: publicId });
    expect([withClient.status, withClient.body.error]).toEqual([400, 'invalid_grant']);
    expect((await refresh(plain.body.refresh_token)).status).toBe(200);
  });
});
