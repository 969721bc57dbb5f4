import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The benchmark's knobs (BENCH_* variables) and the server command line. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
export const DURATION = env('BENCH_DURATION', 10);
export const WARMUP = env('BENCH_WARMUP', 2);
export const CONNECTIONS = env('BENCH_CONNECTIONS', 50);
export const LOGIN_CONNECTIONS = env('BENCH_LOGIN_CONNECTIONS', 16);
export const PROBE_CONNECTIONS = env('BENCH_PROBE_CONNECTIONS', 10);
export const PROBE_RATE = env('BENCH_PROBE_RATE', 200);
export const USERS = Math.max(CONNECTIONS, LOGIN_CONNECTIONS);
/**
 * Users with TOTP for the two-step login scenario: Warden takes each time step once per factor,
 * so a user finishes about one login per 30 s; enough for ~45 logins/s over the run.
 */
export const MFA_USERS = env('BENCH_MFA_USERS', Math.ceil(DURATION * 45));
/** Authorization codes minted before the exchange scenario (they live 60 s): enough for ~800 exchanges/s. */
export const CODES = env('BENCH_CODES', Math.ceil(DURATION * 800));
export const JWT_SECRET = 'bench-9f2c1e7a5b8d4c6e0f1a3b5c7d9e2f4a6b8c0d1e';
/** Fixed, so that tokens issued by the first server start stay valid on the second (a new port). */
export const JWT_ISSUER = 'http://warden.bench';
export const DATABASE_URL = process.env.DATABASE_URL || undefined;
/**
 * The same command line as `npm run start:prod`: V8 heap limits that keep the heap near its live
 * size, and the preload that sizes libuv's threadpool before anything uses it.
 */
export const NODE_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=256'];
export const PRELOAD = ['--require', join(ROOT, 'dist/src/threadpool.cjs')];
export const SERVER_ARGS = [...NODE_FLAGS, ...PRELOAD, join(ROOT, 'dist/warden.mjs')];
/** docs/deployment.md: one malloc arena, so argon2's 19 MiB blocks are reused instead of kept per thread. */
export const MALLOC_ENV = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '1' };
