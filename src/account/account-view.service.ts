import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MfaEnrolmentService } from '../mfa/mfa-enrolment.service.js';
import { PasskeysService } from '../passkeys/passkeys.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { EmailChangeService } from '../users/email-change.service.js';
import type { User } from '../users/user.entity.js';
import { type ActivityLine, describeEvent, describeUserAgent } from './account-words.js';
import { type LinkedProvider, LinkedProvidersService } from './linked-providers.service.js';

/** Where a session that must step up is sent: a fresh sign-in (password, then the second factor), then back. */
export const STEP_UP_URL = '/login?prompt=login&return_to=%2Faccount';

/** The page's sections a form error or a one-time result belongs to. */
export type AccountSection = 'page' | 'profile' | 'email' | 'password' | 'sessions' | 'mfa' | 'passkeys' | 'providers';

/** What one request adds to the page: a message, an error next to its form, a result shown once. */
export interface AccountExtras {
  flash?: string | null;
  errors?: Partial<Record<AccountSection, string[]>>;
  /** The values a refused form is shown again with (never a password or code). */
  values?: Record<string, string>;
  enrolment?: { factorId: string; secret: string; qrCode: string; name: string };
  /** An enrolment whose code was wrong: only its confirmation form again (the secret is not shown twice). */
  confirming?: { factorId: string };
  recoveryCodes?: string[];
}

/** The signed-in browser session the page is built for (a subset of the pages' BrowserSession). */
export interface AccountViewer {
  user: User;
  sessionId: string;
  acr: 'aal1' | 'aal2';
}

export interface SessionLine {
  id: string;
  device: string;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  current: boolean;
}

const DATE_FORMAT = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

const DAY_FORMAT = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

/** "6 December 2026". */
export function formatDay(date: Date): string {
  return DAY_FORMAT.format(date);
}

/** "6 Dec 2026, 20:48 UTC". */
export function formatDate(date: Date): string {
  return `${DATE_FORMAT.format(date)} UTC`;
}

/** Reads everything the account page shows, from the services the API uses. */
@Injectable()
export class AccountViewService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly mfa: MfaEnrolmentService,
    private readonly passkeys: PasskeysService,
    private readonly audit: AuditService,
    private readonly emailChange: EmailChangeService,
    private readonly providers: LinkedProvidersService,
  ) {}

  /** True when the API would refuse the session's sensitive changes until it steps up to aal2. */
  needsStepUp(viewer: AccountViewer): boolean {
    return viewer.user.mfaEnabled && viewer.acr !== 'aal2';
  }

  async build(viewer: AccountViewer, extras: AccountExtras = {}) {
    const userId = viewer.user.id;
    const passkeysOn = Boolean(this.config.webauthn);
    const [sessions, mfa, passkeys, events, pendingEmail, providers] = await Promise.all([
      this.sessions.listActive(userId),
      this.mfa.status(userId),
      passkeysOn ? this.passkeys.list(userId) : Promise.resolve([]),
      this.audit.listForUser(userId, 1, 10),
      this.emailChange.pending(userId),
      this.providers.list(userId),
    ]);
    const sessionLines: SessionLine[] = sessions
      .map((s) => ({
        id: s.id,
        device: describeUserAgent(s.userAgent) ?? 'Unknown device',
        ip: s.ip,
        createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt,
        current: s.id === viewer.sessionId,
      }))
      // The current session first, then the most recently used.
      .sort((a, b) => Number(b.current) - Number(a.current) || b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
    const activity: ActivityLine[] = events.items.map(describeEvent);
    const linked: LinkedProvider[] = providers;
    return {
      title: 'Your account',
      user: {
        email: viewer.user.email,
        username: viewer.user.username,
        displayName: viewer.user.displayName,
        emailVerified: viewer.user.emailVerifiedAt !== null,
        memberSince: viewer.user.createdAt,
      },
      pendingEmail,
      stepUp: { needed: this.needsStepUp(viewer), url: STEP_UP_URL },
      sessions: sessionLines,
      otherSessions: sessionLines.filter((s) => !s.current).length,
      mfa: {
        enabled: mfa.enabled,
        factors: mfa.factors.map((f) => ({ id: f.id, name: f.name ?? 'Authenticator app', createdAt: f.createdAt })),
        recoveryCodesRemaining: mfa.recoveryCodesRemaining,
      },
      passkeys: {
        available: passkeysOn,
        items: passkeys.map((p) => ({
          id: p.id,
          name: p.name ?? 'Passkey',
          createdAt: p.createdAt,
          lastUsedAt: p.lastUsedAt,
          backedUp: p.backedUp,
        })),
      },
      providers: linked,
      linkableProviders: this.providers.linkable(linked),
      activity,
      flash: extras.flash ?? null,
      errors: extras.errors ?? {},
      values: extras.values ?? {},
      enrolment: extras.enrolment ?? null,
      confirming: extras.confirming ?? null,
      recoveryCodes: extras.recoveryCodes ?? null,
      formatDate,
      formatDay,
    };
  }
}

export type AccountView = Awaited<ReturnType<AccountViewService['build']>>;
