// `npm run client:types` writes packages/client/src/openapi.ts, the client's types, from the
// OpenAPI document of the running code (an in-memory Warden, nothing listening). With --check
// (CI) it writes nothing and fails when the committed file differs: the client cannot drift.
import 'reflect-metadata';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createApp } from '../src/app.factory.js';
import { createPino } from '../src/common/logger.js';
import { loadConfig } from '../src/config/app-config.js';

const TARGET = new URL('../packages/client/src/openapi.ts', import.meta.url);

async function openapiDocument(): Promise<string> {
  const config = loadConfig({
    NODE_ENV: 'test',
    // An asymmetric key, so that the OpenID Connect routes (absent under HS256) are in the document.
    JWT_ALGORITHM: 'ES256',
    JWT_PRIVATE_KEY: generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey,
    LOG_LEVEL: 'error',
    APP_URL: 'http://localhost:3000',
  });
  const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
  const app = await createApp(config, createPino(config.logLevel, quiet, config.logFormat), { dataDir: null });
  try {
    await app.init();
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}`);
    return res.body;
  } finally {
    await app.close();
  }
}

async function main(): Promise<number> {
  const ast = await openapiTS(await openapiDocument());
  const generated = COMMENT_HEADER + astToString(ast);
  if (!process.argv.includes('--check')) {
    writeFileSync(TARGET, generated);
    console.log('client:types: wrote packages/client/src/openapi.ts');
    return 0;
  }
  const committed = readFileSync(TARGET, 'utf8');
  if (committed === generated) return 0;
  console.error(
    'client:types: packages/client/src/openapi.ts differs from the API; run npm run client:types and commit it',
  );
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
