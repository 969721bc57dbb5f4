import type { INestApplication } from '@nestjs/common';
import { resetDatabase, startApp, type TestApp } from '../../../test/support/app.js';
import { client, type Client, registerAndLogin, request } from '../../../test/support/http.js';
import { createResourceApi } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const SECRET = 'introspection-secret-0123456789-abcdef';

describe('examples/resource-api against a real Warden', () => {
  let warden: TestApp;
  let http: Client;
  let api: INestApplication;
  let apiUrl: string;

  beforeAll(async () => {
    await resetDatabase();
    warden = await startApp({ INTROSPECTION_SECRET: SECRET });
    http = client(warden.url);
    const config = loadConfig({
      WARDEN_URL: warden.url,
      WARDEN_ISSUER: warden.config.jwt.issuer,
      WARDEN_INTROSPECTION_SECRET: SECRET,
      // No cached answers: each request asks Warden, so the very next one sees the logout.
      WARDEN_INTROSPECTION_CACHE_SECONDS: '0',
    });
    api = await createResourceApi(config.warden);
    await api.listen(0, '127.0.0.1');
    apiUrl = `http://127.0.0.1:${(api.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await api.close();
    await warden.close();
  });

  it('serves a signed-in user, then refuses the next request after a logout on Warden', async () => {
    const { tokens, user } = await registerAndLogin(http, 'example@example.com');
    const notes = await request(apiUrl, 'GET', '/notes', { token: tokens.access_token });
    expect(notes.status).toBe(200);
    expect(notes.body).toEqual({ owner: user.id, notes: [{ id: 1, text: 'Hello, example@example.com' }] });

    expect((await http.post('/auth/logout', { token: tokens.access_token })).status).toBe(204);

    const after = await request(apiUrl, 'GET', '/notes', { token: tokens.access_token });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe('Bearer realm="warden", error="invalid_token"');
  });

  it('keeps its @Public() health route open and the rest closed', async () => {
    expect((await request(apiUrl, 'GET', '/health')).status).toBe(200);
    const res = await request(apiUrl, 'GET', '/notes');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="warden"');
  });
});
