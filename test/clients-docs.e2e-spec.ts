import { decodeJwt } from 'jose';
import { login, PASSWORD, registerAdmin } from './support/accounts.js';
import { resetDatabase, startApp, type TestApp } from './support/app.js';
import { curlExamples, runCurlExample } from './support/doc-examples.js';
import { client } from './support/http.js';

// The examples of the clients page run against a real server, so they cannot go stale.
describe('docs/clients.md curl examples', () => {
  let t: TestApp;
  const examples = curlExamples('clients.md');
  const example = (marker: string, vars: Record<string, string>) => runCurlExample(examples, marker, t.url, vars);

  beforeAll(async () => {
    await resetDatabase();
    t = await startApp();
  });
  afterAll(() => t.close());

  it('covers registration and both ways of the client_credentials grant', () => {
    expect(examples).toHaveLength(3);
  });

  it('registers a client as shown, then gets client_credentials tokens with Basic and with the form', async () => {
    const http = client(t.url);
    await registerAdmin(http, t.dataSource, 'docs-clients@example.com');
    const token = (await login(http, 'docs-clients@example.com', PASSWORD, 'clients:write')).access_token;
    const created = JSON.parse(await example('localhost:3000/clients', { TOKEN: token }));
    expect(created).toMatchObject({
      name: 'Billing',
      type: 'confidential',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['profile', 'users:read'],
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const vars = { CLIENT_ID: created.client_id as string, CLIENT_SECRET: created.client_secret as string };

    const viaBasic = JSON.parse(await example('-u "$CLIENT_ID:$CLIENT_SECRET"', vars));
    expect(viaBasic).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      scope: 'profile users:read',
    });
    expect(decodeJwt(viaBasic.access_token)).toMatchObject({ sub: vars.CLIENT_ID, client_id: vars.CLIENT_ID });

    const viaForm = JSON.parse(await example('-d client_secret=', vars));
    expect(viaForm).toMatchObject({ token_type: 'bearer', scope: 'users:read' });
    expect((await http.get('/users', { token: viaForm.access_token })).status).toBe(200);
    expect((await http.get('/users/me', { token: viaForm.access_token })).status).toBe(401);
  });
});
