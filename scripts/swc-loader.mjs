// A small ESM loader for running the TypeScript sources (npm start, npm run cli): SWC compiles
// each .ts file with decorator metadata, which Nest's dependency injection needs (tsx and
// esbuild do not emit it). Lighter than @swc-node/register, which loads the TypeScript compiler.
import { register } from 'node:module';

register('./swc-loader-hooks.mjs', import.meta.url);
