import { readFileSync } from 'node:fs';

const swc = JSON.parse(readFileSync(new URL('./.swcrc.jest.json', import.meta.url), 'utf8'));
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

// `npm test` runs the unit and e2e projects; the browser and cluster tests have their own commands.
export default {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
    { ...base, displayName: 'browser', testMatch: ['<rootDir>/test/**/*.browser-spec.ts'] },
    // The HAProxy cluster of deploy/ (npm run test:cluster): needs the build, haproxy, Postgres and Redis.
    { ...base, displayName: 'cluster', testMatch: ['<rootDir>/test/**/*.cluster-spec.ts'] },
  ],
  testTimeout: 60000,
  // e2e files share one Postgres database when TEST_DATABASE_URL is set.
  maxWorkers: 1,
};
