'use strict';
/**
 * Sizes libuv's threadpool before anything uses it; loaded with `node --require` by the start
 * scripts (`npm start`, `npm run start:prod`). argon2 hashes on that pool, as do WebCrypto HMAC
 * (jose signs and verifies HS256 tokens there), fs and dns.lookup. libuv creates the pool once, on
 * first use, and Node 20's ESM loader already uses it to read the entry module, so setting the
 * variable in main.ts is too late: this CommonJS preload runs before the loader reads any file.
 *
 * Size: one thread per core for argon2 (PasswordHasherService caps concurrent hashes at the core
 * count) plus two, so that token signatures and file/DNS work never queue behind the hashes.
 * An explicit UV_THREADPOOL_SIZE wins. (The one place besides config/ that reads process.env: it
 * must run before the application's modules are even loaded.)
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS preload, by design
const { availableParallelism } = require('node:os');

if (!process.env.UV_THREADPOOL_SIZE) {
  process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism() + 2));
}
