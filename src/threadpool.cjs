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
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload, by design */
const fs = require('node:fs');
const { availableParallelism, setPriority } = require('node:os');

if (!process.env.UV_THREADPOOL_SIZE) {
  process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism() + 2));
}

/**
 * Linux: the pool's threads run at a lower priority (nice 10) than the event loop. While logins
 * keep every core busy hashing, a request that needs the event loop (an authenticated read, the
 * login's own queries) then takes the CPU at once instead of waiting for its share next to the
 * hashes; logins lose nothing, as hashing still gets every cycle nobody else wants. libuv starts
 * all pool threads on the first job, so the threads that appear around the first fs call here
 * are exactly the pool. POOL_NICE=0 turns this off.
 */
const POOL_NICE = Number(process.env.POOL_NICE ?? 10);
if (process.platform === 'linux' && POOL_NICE > 0) {
  const threads = () => new Set(fs.readdirSync('/proc/self/task'));
  const before = threads();
  fs.stat(__filename, () => undefined);
  for (const tid of threads()) {
    if (before.has(tid)) continue;
    try {
      setPriority(Number(tid), POOL_NICE);
    } catch {
      // Not permitted here (a sandbox): the pool keeps the normal priority.
    }
  }
}
