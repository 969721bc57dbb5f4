// The globalSetup of the `testing-shared` jest project: one Warden for both of its test files.
// Inside this repository the package runs from its TypeScript sources, so the SWC loader comes
// first; an app imports the built package instead: `import { startSharedWarden } from '@warden/testing'`.
await import('../../../../scripts/swc-loader.mjs');
const { startSharedWarden } = await import('../../src/index.ts');

export default async function globalSetup() {
  const shared = await startSharedWarden();
  const seed = await shared.warden.createUser({ email: 'seed@example.test', password: 'seed user passphrase' });
  process.env.SHARED_SEED_ID = seed.id;
  globalThis.__sharedWarden = shared;
}
