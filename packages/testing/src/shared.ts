import { createClock, toMs, type WardenClock } from './clock.js';
import { parseMail, type Mailbox, type ReceivedMail } from './mailbox.js';
import type { WardenHelpers } from './helpers.js';
import { type CreateUserOptions, passwordLogin, stepUp, type TestUser, totpGenerator } from './users.js';

/** The variable through which a globalSetup hands the shared Warden to the test files. */
export const SHARED_WARDEN_ENV = 'WARDEN_TESTING_SHARED';

export interface SharedInfo {
  url: string;
  issuer: string;
  audience: string;
  introspectionSecret: string;
  control: string;
  key: string;
}

/** A user as it crosses between processes (no functions). */
export type WireUser = Omit<TestUser, 'totp'> & { totpLastStep?: number };

/** In a test file: the helpers of the Warden a globalSetup started with startSharedWarden(). */
export function connectWarden(value = process.env[SHARED_WARDEN_ENV]): WardenHelpers {
  if (!value) {
    throw new Error(
      `connectWarden: ${SHARED_WARDEN_ENV} is not set: start the Warden with startSharedWarden() in globalSetup`,
    );
  }
  const info = JSON.parse(value) as SharedInfo;
  const local = createClock();

  async function control<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(info.control + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${info.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as T & { error?: string };
    if (res.status !== 200) throw new Error(answer.error ?? `shared Warden: ${path} answered ${res.status}`);
    return answer;
  }

  const unwire = ({ totpLastStep, ...user }: WireUser): TestUser =>
    user.totpSecret ? { ...user, totp: totpGenerator(user.totpSecret, totpLastStep) } : user;

  // The clock moves in the server's process and in this one, so that codes and checks here agree.
  const clock: WardenClock = {
    async advance(by) {
      const ms = toMs(by);
      await control('/clock', { advanceMs: ms });
      await local.advance(ms);
    },
    get offsetMs() {
      return local.offsetMs;
    },
    async reset() {
      await control('/clock', { reset: true });
      await local.reset();
    },
  };

  return {
    url: info.url,
    issuer: info.issuer,
    audience: info.audience,
    introspectionSecret: info.introspectionSecret,
    clock,
    createUser: async (options: CreateUserOptions = {}) => unwire(await control<WireUser>('/users', options)),
    enableTotp: async (user) => Object.assign(user, unwire(await control<WireUser>('/users/totp', { id: user.id }))),
    tokenFor: (user, options) => passwordLogin(info.url, user, options),
    stepUp: (user, accessToken) => stepUp(info.url, user, accessToken),
    mailbox(email): Mailbox {
      return {
        next: async ({ timeout, subject } = {}) =>
          parseMail(
            await control<ReceivedMail>('/mail', {
              email,
              timeout,
              subject: subject instanceof RegExp ? { source: subject.source, flags: subject.flags } : subject,
            }),
          ),
        all: async () => (await control<ReceivedMail[]>('/mail/all', { email })).map(parseMail),
      };
    },
  };
}
