export default async function globalTeardown() {
  await globalThis.__sharedWarden.stop();
}
