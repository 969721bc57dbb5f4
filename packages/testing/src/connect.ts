// The CommonJS entry point (package.json `exports` → `require`): what a test file needs to use the
// Warden that a globalSetup started with startSharedWarden(). Warden itself is an ES module and
// starts only through the main entry point.
export { connectWarden, SHARED_WARDEN_ENV } from './shared.js';
export type { WardenHelpers } from './helpers.js';
export type { WardenClock } from './clock.js';
export type { Mailbox, NextOptions, ReceivedMail } from './mailbox.js';
export type { CreateUserOptions, Role, TestUser, TokenOptions, TokenResponse } from './users.js';
