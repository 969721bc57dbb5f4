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

// `npm test` runs the unit, e2e and packages (workspaces and examples) projects; the browser test
// has its own command.
export default {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
    { ...base, displayName: 'browser', testMatch: ['<rootDir>/test/**/*.browser-spec.ts'] },
    {
      ...base,
      displayName: 'packages',
      testMatch: ['<rootDir>/{packages,examples}/*/{src,test}/**/*.{spec,e2e-spec}.ts'],
      // The examples import the package by name; the tests run its sources, not a build.
      moduleNameMapper: { ...base.moduleNameMapper, '^@warden/nestjs$': '<rootDir>/packages/nestjs/src/index.ts' },
    },
  ],
  testTimeout: 60000,
  // e2e files share one Postgres database when TEST_DATABASE_URL is set.
  maxWorkers: 1,
};
