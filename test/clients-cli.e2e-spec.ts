import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { resetDatabase, startApp, TEST_DATABASE_URL } from './support/app.js';
import { cliRunner } from './support/cli.js';
import { client } from './support/http.js';

describe('npm run cli -- client:create', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-clients-cli-'));
  const cli = cliRunner(dataDir);

  beforeAll(() => resetDatabase());
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('registers a confidential machine client, prints its secret once, and the secret works', async () => {
    const created = await cli(
      'client:create',
      '--name',
      'Billing',
      '--redirect-uri',
      'https://billing.example.com/cb',
      '--redirect-uri',
      'http://127.0.0.1/cb',
      '--confidential',
      '--first-party',
      '--grant',
      'client_credentials',
      '--scope',
      'users:read',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const id = /^client_id: (\S+)$/m.exec(created.stdout)?.[1];
    const secret = /^client_secret: (\S+)$/m.exec(created.stdout)?.[1];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(created.stdout).toContain('grant_types: authorization_code refresh_token client_credentials');

    const app = await startApp({}, TEST_DATABASE_URL ? {} : { dataDir });
    try {
      const [row] = await app.dataSource.query(
        'SELECT name, type, first_party, redirect_uris, scopes, secret_hash FROM oauth_clients WHERE id = $1',
        [id],
      );
      expect(row).toEqual({
        name: 'Billing',
        type: 'confidential',
        first_party: true,
        redirect_uris: ['https://billing.example.com/cb', 'http://127.0.0.1/cb'],
        scopes: ['users:read'],
        secret_hash: createHash('sha256').update(secret!).digest('hex'),
      });
      const res = await client(app.url).post('/auth/token', {
        form: { grant_type: 'client_credentials', client_id: id!, client_secret: secret! },
      });
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token)).toMatchObject({ sub: id, scope: 'users:read' });
    } finally {
      await app.close();
    }
  }, 90000);

  it('registers a public client without a secret', async () => {
    const created = await cli('client:create', '--name', 'Phone app', '--redirect-uri', 'com.example.app:/cb');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^type: public$/m);
    expect(created.stdout).not.toContain('client_secret');
  }, 60000);

  it.each([
    [['--redirect-uri', 'https://a.example/cb'], /needs --name/],
    [['--name', 'x', '--redirect-uri', 'http://evil.example.com/cb'], /loopback/],
    [['--name', 'x', '--redirect-uri', 'https://a.example/cb', '--scope', 'root'], /--scope root/],
    [['--name', 'x', '--redirect-uri', 'https://a.example/cb', '--grant', 'implicit'], /--grant implicit/],
    [['--name', 'x', '--grant', 'client_credentials'], /confidential/],
  ])(
    'refuses %j with a message and exit code',
    async (args, message) => {
      const res = await cli('client:create', ...args);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(message);
    },
    60000,
  );
});
