import type { SharedWarden } from './shared-server.js';
import type { StartWardenOptions, Warden } from './start-warden.js';

export type { StartWardenOptions, Warden } from './start-warden.js';
export type { WardenHelpers } from './helpers.js';
export type { WardenClock } from './clock.js';
export type { Mailbox, NextOptions, ReceivedMail } from './mailbox.js';
export type { CreateUserOptions, Role, TestUser, TokenOptions, TokenResponse } from './users.js';
export { connectWarden, SHARED_WARDEN_ENV } from './shared.js';
export type { SharedWarden } from './shared-server.js';

// Warden's server is loaded on the first start only: a test file that merely connects to a
// shared Warden (connectWarden) stays light.

/** Starts the real Warden in this process on a free port: migrated embedded database, memory mail. */
export async function startWarden(options?: StartWardenOptions): Promise<Warden> {
  return (await import('./start-warden.js')).startWarden(options);
}

/** For a jest globalSetup: one Warden for every test file of the run (see connectWarden). */
export async function startSharedWarden(options?: StartWardenOptions): Promise<SharedWarden> {
  return (await import('./shared-server.js')).startSharedWarden(options);
}
