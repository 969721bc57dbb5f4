/**
 * `npm run build`'s second step: the compiled server (dist/src/production.js: main.js with
 * NODE_ENV defaulting to production; tsc's output carries the decorator metadata) bundled into
 * one ES module, dist/warden.mjs, which
 * `npm run start:prod` runs. Loading ~1,500 files of node_modules one by one was two thirds of
 * the time from spawn to ready (target: ≤ 2 s); one file loads in a fraction of it.
 *
 * Left outside: native addons and packages that find files next to their own code at run time
 * (argon2's prebuilds, PGlite's WASM, swagger-ui-dist's assets, @fastify/static, pino's worker
 * transports), and the optional Nest packages Warden does not install.
 */
import { build } from 'esbuild';
import { copyFileSync, cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const external = [
  'argon2',
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
  'swagger-ui-dist',
  '@fastify/static',
  'pino',
  'thread-stream',
  'pg-native',
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/websockets',
  '@nestjs/websockets/*',
  '@nestjs/platform-express',
  '@fastify/multipart',
  '@fastify/view',
];

await build({
  entryPoints: ['dist/src/production.js'],
  outfile: 'dist/warden.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  // Nest resolves providers by class and names them in errors and logs.
  keepNames: true,
  sourcemap: 'linked',
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __wardenRequire } from 'node:module'; const require = __wardenRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// Read at run time next to the module that reads it (PasswordPolicyService).
copyFileSync('src/users/common-passwords.txt', 'dist/common-passwords.txt');
// The hosted pages read their templates and assets next to the module that reads them
// (src/pages/page-renderer.ts, assets.controller.ts): dist/views and dist/assets beside the
// bundle, dist/src/pages/… beside tsc's output (the bench imports that).
for (const target of ['dist', 'dist/src/pages']) {
  cpSync('src/pages/views', join(target, 'views'), { recursive: true });
  cpSync('src/pages/assets', join(target, 'assets'), { recursive: true });
  // Package files the pages serve, copied so that production needs no development package.
  const resolver = createRequire(import.meta.url);
  mkdirSync(join(target, 'assets'), { recursive: true });
  copyFileSync(
    resolver.resolve('@picocss/pico/css/pico.classless.min.css'),
    join(target, 'assets', 'pico.classless.min.css'),
  );
  copyFileSync(
    join(dirname(resolver.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'),
    join(target, 'assets', 'simplewebauthn-browser.js'),
  );
}
