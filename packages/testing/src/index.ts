export { startWarden, type StartWardenOptions, type Warden, type WardenHelpers } from './start-warden.js';
export type { WardenClock } from './clock.js';
export type { Mailbox, NextOptions, ReceivedMail } from './mailbox.js';
export type { CreateUserOptions, Role, TestUser, TokenOptions, TokenResponse } from './users.js';
