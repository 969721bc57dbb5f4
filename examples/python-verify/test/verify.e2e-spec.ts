import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync } from 'node:crypto';
import { resetDatabase, startApp, type TestApp } from '../../../test/support/app.js';
import { client, registerAndLogin } from '../../../test/support/http.js';

const SCRIPT = fileURLToPath(new URL('../verify.py', import.meta.url));
// Debian's python3 has python3-jwt; a python3 earlier on PATH (pyenv, venv) may not.
const PYTHON = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

function verify(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, [SCRIPT, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Flips one character of the signature, keeping it valid base64url. */
function tamper(token: string): string {
  const i = token.length - 5;
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

describe.each(['ES256', 'RS256'] as const)('examples/python-verify (PyJWT) on a Warden %s token', (alg) => {
  let warden: TestApp;
  let jwksUrl: string;
  let token: string;
  let sub: string;

  beforeAll(async () => {
    await resetDatabase();
    const { privateKey } =
      alg === 'ES256'
        ? generateKeyPairSync('ec', {
            namedCurve: 'P-256',
            privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
            publicKeyEncoding: { type: 'spki', format: 'pem' },
          })
        : generateKeyPairSync('rsa', {
            modulusLength: 2048,
            privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
            publicKeyEncoding: { type: 'spki', format: 'pem' },
          });
    warden = await startApp({ JWT_ALGORITHM: alg, JWT_PRIVATE_KEY: privateKey });
    jwksUrl = `${warden.url}/.well-known/jwks.json`;
    const { tokens, user } = await registerAndLogin(client(warden.url), `python-${alg.toLowerCase()}@example.com`);
    token = tokens.access_token;
    sub = user.id;
  });
  afterAll(() => warden.close());

  it('verifies the token through the JWKS and prints its subject', async () => {
    const res = await verify(jwksUrl, token, warden.config.jwt.issuer, warden.config.jwt.audience);
    expect(res).toEqual({ code: 0, stdout: `${sub}\n`, stderr: '' });
  });

  it('refuses a tampered token, another audience and another issuer', async () => {
    const { issuer, audience } = warden.config.jwt;
    const cases = [
      [tamper(token), issuer, audience, /Signature verification failed/],
      [token, issuer, 'billing-api', /audience/i],
      [token, 'https://auth.example.com', audience, /issuer/i],
    ] as const;
    for (const [candidate, iss, aud, why] of cases) {
      const res = await verify(jwksUrl, candidate, iss, aud);
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(why);
    }
  });
});
