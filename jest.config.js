import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const swc = JSON.parse(readFileSync(new URL('./.swcrc.jest.json', import.meta.url), 'utf8'));
const WORKER_ENV = '<rootDir>/test/support/worker-env.ts';
const REQUIRED_ESM = ['content-disposition'];

const base = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }],
    // Jest on Node 20 cannot require() an ES module; these ESM-only packages are required by
    // CommonJS ones (@fastify/static), so they are compiled to CommonJS for the test runtime.
    [`node_modules/(${REQUIRED_ESM.join('|')})/.+\\.js$`]: [
      '@swc/jest',
      { swcrc: false, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`node_modules/(?!(${REQUIRED_ESM.join('|')})/)`],
  testEnvironment: 'node',
};

// `npm test` runs the unit, e2e and packages (workspaces and examples) projects; the browser and
// cluster tests have their own commands.
export default {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], setupFiles: [WORKER_ENV] },
    {
      ...base,
      displayName: 'browser',
      testMatch: ['<rootDir>/{test,examples/*/test}/**/*.browser-spec.ts'],
      setupFiles: [WORKER_ENV],
    },
    {
      ...base,
      displayName: 'packages',
      testMatch: ['<rootDir>/{packages,examples}/*/{src,test}/**/*.{spec,e2e-spec}.ts'],
      setupFiles: [WORKER_ENV],
      // The examples import the package by name; the tests run its sources, not a build.
      moduleNameMapper: {
        ...base.moduleNameMapper,
        '^@warden/nestjs$': '<rootDir>/packages/nestjs/src/index.ts',
        '^@warden/client$': '<rootDir>/packages/client/src/index.ts',
        '^@warden/testing$': '<rootDir>/packages/testing/src/index.ts',
      },
    },
    // packages/testing's globalSetup recipe: one Warden for both files (run by packages/testing/test/shared.e2e-spec.ts).
    {
      ...base,
      displayName: 'testing-shared',
      testMatch: ['<rootDir>/packages/testing/test/shared/*.shared-spec.ts'],
      globalSetup: '<rootDir>/packages/testing/test/shared/global-setup.mjs',
      globalTeardown: '<rootDir>/packages/testing/test/shared/global-teardown.mjs',
      moduleNameMapper: { ...base.moduleNameMapper, '^@warden/testing$': '<rootDir>/packages/testing/src/index.ts' },
    },
    // Twenty files, each starting its own Warden, in parallel workers (npm run test:testing-parallel).
    {
      ...base,
      displayName: 'testing-parallel',
      testMatch: ['<rootDir>/packages/testing/test/parallel/*.parallel-spec.ts'],
      moduleNameMapper: { ...base.moduleNameMapper, '^@warden/testing$': '<rootDir>/packages/testing/src/index.ts' },
    },
    // The HAProxy cluster of deploy/ (npm run test:cluster): needs the build, haproxy, Postgres and Redis.
    { ...base, displayName: 'cluster', testMatch: ['<rootDir>/test/**/*.cluster-spec.ts'] },
  ],
  testTimeout: 60000,
  // Files run in parallel; each worker has its own database and Redis DB (test/support/workers.ts).
  // Capped so that the per-worker Redis DBs fit in Redis' default 16.
  maxWorkers: Math.min(4, Math.max(2, availableParallelism())),
};
