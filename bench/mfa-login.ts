import { type Request } from 'autocannon';
import { Secret, TOTP } from 'otpauth';
import { FORM_HEADERS, formBody, type LoadFigures } from './load.js';
import { BENCH_PASSWORD, passwordGrant } from './seed.js';

const PERIOD_S = 30;
const MFA_OTP_GRANT = 'urn:warden:params:oauth:grant-type:mfa-otp';

/** A user with a confirmed TOTP factor, and the newest time step Warden accepted from them. */
export interface MfaUser {
  email: string;
  totp: TOTP;
  lastStep: number;
}

const currentStep = () => Math.floor(Date.now() / 1000 / PERIOD_S);

function totpFor(secret: string): TOTP {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD_S });
}

async function post(base: string, path: string, token: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Registers `count` users and turns TOTP on for each through the API (enrol, confirm). Warden
 * refuses a time step it has already accepted for a factor, so each user can finish at most a
 * couple of logins per 30 s: the scenario spreads its logins over many users.
 */
export async function seedMfaUsers(base: string, runId: string, count: number): Promise<MfaUser[]> {
  const users: MfaUser[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const email = `bench-mfa-${runId}-${next++}@bench.example`;
      const res = await fetch(`${base}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: BENCH_PASSWORD }),
      });
      if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${await res.text()}`);
      const { access_token } = await passwordGrant(base, email);
      const enrolment = await post(base, '/auth/mfa/totp', access_token, {});
      const totp = totpFor(String(enrolment.secret));
      const step = currentStep();
      await post(base, '/auth/mfa/totp/confirm', access_token, {
        factor_id: enrolment.factor_id,
        code: totp.generate({ timestamp: step * PERIOD_S * 1000 }),
      });
      users.push({ email, totp, lastStep: step });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return users;
}

/** What the two-step logins answered, counted as they come in. */
export interface MfaLoginCounts {
  /** First steps that answered 400 mfa_required, as they should. */
  challenged: number;
  /** Second steps that answered 200: finished logins. */
  completed: number;
  /** Connections that found no user with an unused time step (the seed was too small). */
  starved: number;
}

/**
 * Per connection, its own share of the users; each loop is one login: the password grant (400
 * mfa_required with an mfa_token), then the mfa-otp grant with the code of the oldest step the
 * user has not used yet and Warden still accepts (the previous, current or next one).
 */
export function mfaLoginRequests(
  users: MfaUser[],
  connections: number,
  counts: MfaLoginCounts,
): (i: number) => Request[] {
  return (i) => {
    const mine = users.filter((_, k) => k % connections === i);
    if (mine.length === 0) throw new Error(`mfa scenario: no user for connection ${i}`);
    let turn = 0;
    let current: { user: MfaUser; step: number } | undefined;
    const pick = () => {
      const now = currentStep();
      for (let tries = 0; tries < mine.length; tries++) {
        const user = mine[turn++ % mine.length];
        const step = Math.max(user.lastStep + 1, now - 1);
        if (step <= now + 1) return { user, step };
      }
      counts.starved++;
      const user = mine[turn++ % mine.length];
      return { user, step: user.lastStep + 1 };
    };
    let mfaToken = '';
    return [
      {
        method: 'POST',
        path: '/auth/token',
        headers: FORM_HEADERS,
        setupRequest: (request) => {
          current = pick();
          return {
            ...request,
            body: formBody({ grant_type: 'password', username: current.user.email, password: BENCH_PASSWORD }),
          };
        },
        onResponse: (status, body) => {
          mfaToken = '';
          if (status !== 400) return;
          const answer = JSON.parse(body) as { error?: string; mfa_token?: string };
          if (answer.error === 'mfa_required' && answer.mfa_token) {
            mfaToken = answer.mfa_token;
            counts.challenged++;
          }
        },
      },
      {
        method: 'POST',
        path: '/auth/token',
        headers: FORM_HEADERS,
        setupRequest: (request) => {
          const { user, step } = current!;
          user.lastStep = step;
          return {
            ...request,
            body: formBody({
              grant_type: MFA_OTP_GRANT,
              mfa_token: mfaToken,
              otp: user.totp.generate({ timestamp: step * PERIOD_S * 1000 }),
            }),
          };
        },
        onResponse: (status) => {
          if (status === 200) counts.completed++;
        },
      },
    ];
  };
}

/**
 * The scenario's figures in login terms: a finished two-step login is one success; the first
 * step's expected 400 mfa_required is not an error (latencies stay per request).
 */
export function asMfaLogins(figures: LoadFigures, counts: MfaLoginCounts): LoadFigures {
  const errors = Math.max(0, figures.errors - counts.challenged);
  const attempts = counts.completed + errors;
  return {
    ...figures,
    req_per_s: counts.completed / figures.duration_s,
    requests: attempts,
    errors,
    error_rate: attempts === 0 ? 1 : errors / attempts,
  };
}
