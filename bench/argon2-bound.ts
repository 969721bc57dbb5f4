/**
 * Reference (b) of the benchmark, run in its own process with the server's UV_THREADPOOL_SIZE:
 * the average time of one argon2.verify at the configured parameters (ARGON2_* as the server
 * reads them), measured one at a time so that it is the cost of a verify on an otherwise idle
 * core. The bound is cores ÷ that time. Prints one JSON line.
 */
import argon2 from 'argon2';
import { availableParallelism } from 'node:os';

const RUNS = Number(process.env.BENCH_ARGON2_RUNS ?? 20);
const options = {
  type: argon2.argon2id as 2,
  memoryCost: Number(process.env.ARGON2_MEMORY_KIB ?? 19456),
  timeCost: Number(process.env.ARGON2_TIME_COST ?? 2),
  parallelism: Number(process.env.ARGON2_PARALLELISM ?? 1),
};
const password = 'correct horse battery staple';
const hash = await argon2.hash(password, options);
for (let i = 0; i < 3; i += 1) await argon2.verify(hash, password); // warm-up

const times: number[] = [];
const cpuBefore = process.cpuUsage();
for (let i = 0; i < RUNS; i += 1) {
  const start = process.hrtime.bigint();
  if (!(await argon2.verify(hash, password))) throw new Error('argon2 verify failed');
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
const cpu = process.cpuUsage(cpuBefore);
const averageMs = times.reduce((a, b) => a + b, 0) / times.length;
const cores = availableParallelism();
console.log(
  JSON.stringify({
    runs: RUNS,
    cores,
    verify_ms_avg: averageMs,
    verify_ms_min: Math.min(...times),
    /** CPU time per verify: what a login costs the machine, whatever else runs on it. */
    verify_cpu_ms_avg: (cpu.user + cpu.system) / 1000 / RUNS,
    bound_per_s: cores / (averageMs / 1000),
    params: { memory_kib: options.memoryCost, time_cost: options.timeCost, parallelism: options.parallelism },
  }),
);
