import { HttpException, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { BrowserSessionService } from '../pages/browser-session.service.js';
import { PageCsrf } from '../pages/page-csrf.js';
import { PageRenderer } from '../pages/page-renderer.js';
import { retryAfterInWords } from '../pages/retry-after.js';
import { type FlashKey, setFlash, takeFlash } from './account-flash.js';
import {
  type AccountExtras,
  type AccountSection,
  type AccountViewer,
  AccountViewService,
  STEP_UP_URL,
} from './account-view.service.js';

export const ACCOUNT_PATH = '/account';
export const LOGIN_URL = `/login?return_to=${encodeURIComponent(ACCOUNT_PATH)}`;

/** What an action ends with: a flash message after a 303 back to the page, or the page itself (a result shown once). */
/** A flash and back to /account, the page again with extras, or elsewhere (a provider's sign-in page to link it). */
export type ActionOutcome = FlashKey | { show: AccountExtras } | { redirect: string };

export interface ActionOptions {
  /** The section whose form posted (its errors are shown there). */
  section: AccountSection;
  /** The API asks for aal2 here when the user has two-factor authentication on. */
  stepUp?: boolean;
  /** Fields shown again in the form when it is refused (never a password or a code). */
  keep?: string[];
  /** More for the page when the action is refused (e.g. the form to try again). */
  refusedExtras?: (error: HttpException) => AccountExtras;
}

/**
 * The account page's request cycle: the CSRF check (token + Origin), the browser session, the
 * step-up, then the action; success is a 303 back to /account with a flash message, an error is
 * the page again with the message next to its form and the status the API would answer.
 */
@Injectable()
export class AccountPage {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly renderer: PageRenderer,
    private readonly csrf: PageCsrf,
    private readonly browserSessions: BrowserSessionService,
    private readonly view: AccountViewService,
  ) {}

  redirect(reply: FastifyReply, location: string): Promise<void> {
    return this.renderer.redirect(reply, location);
  }

  async viewer(request: FastifyRequest): Promise<AccountViewer | null> {
    const session = await this.browserSessions.current(request);
    if (!session) return null;
    return { user: session.user, sessionId: session.sessionId, acr: session.acr === 'aal2' ? 'aal2' : 'aal1' };
  }

  async show(
    request: FastifyRequest,
    reply: FastifyReply,
    viewer: AccountViewer,
    extras: AccountExtras = {},
    status = 200,
  ): Promise<void> {
    const flash = extras.flash === undefined ? takeFlash(request, reply, this.config.cookieSecure) : extras.flash;
    const data = await this.view.build(viewer, { ...extras, flash });
    const scripts = data.passkeys.available ? ['/assets/simplewebauthn-browser.js', '/assets/account-passkey.js'] : [];
    return this.renderer.render(
      reply,
      'account',
      { ...data, scripts, csrfToken: this.csrf.token(request, reply) },
      status,
    );
  }

  async action(
    request: FastifyRequest,
    reply: FastifyReply,
    body: unknown,
    options: ActionOptions,
    run: (viewer: AccountViewer) => Promise<ActionOutcome>,
  ): Promise<void> {
    const viewer = await this.viewer(request);
    const forged = this.forged(request, body);
    if (forged) {
      if (!viewer) return this.refusedPage(reply, forged);
      return this.show(request, reply, viewer, { flash: null, errors: { page: [forged] } }, 403);
    }
    if (!viewer) return this.renderer.redirect(reply, LOGIN_URL);
    if (options.stepUp && this.view.needsStepUp(viewer)) return this.renderer.redirect(reply, STEP_UP_URL);
    try {
      const outcome = await run(viewer);
      if (typeof outcome !== 'string' && 'redirect' in outcome) return await this.redirect(reply, outcome.redirect);
      if (typeof outcome !== 'string') return await this.show(request, reply, viewer, outcome.show);
      setFlash(reply, outcome, this.config.cookieSecure);
      return this.renderer.redirect(reply, ACCOUNT_PATH);
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      return this.refused(request, reply, viewer, options, body, error);
    }
  }

  /** Signs the browser out (its session revoked, the cookies cleared), then the sign-in page. */
  async signOut(request: FastifyRequest, reply: FastifyReply, body: unknown): Promise<void> {
    const forged = this.forged(request, body);
    if (forged) return this.refusedPage(reply, forged);
    await this.browserSessions.signOut(request, reply);
    return this.renderer.redirect(reply, '/login');
  }

  /** A forged form without a signed-in browser: nothing to show but the refusal. */
  private refusedPage(reply: FastifyReply, message: string): Promise<void> {
    return this.renderer.render(
      reply,
      'error',
      { title: 'Request refused', message, back: ACCOUNT_PATH, backLabel: 'Back to your account' },
      403,
    );
  }

  /** The CSRF refusal (foreign or missing Origin, missing or wrong token), or null when the form is genuine. */
  private forged(request: FastifyRequest, body: unknown): string | null {
    try {
      this.csrf.check(request, body);
      return null;
    } catch (error) {
      if (error instanceof HttpException) return errorMessages(error)[0];
      throw error;
    }
  }

  /** The page with the refusal next to its form (and the Retry-After of a 429). */
  refused(
    request: FastifyRequest,
    reply: FastifyReply,
    viewer: AccountViewer,
    options: ActionOptions,
    body: unknown,
    error: HttpException,
  ): Promise<void> {
    const status = error.getStatus();
    const headers = (error as HttpException & { headers?: Record<string, string> }).headers;
    if (headers?.['Retry-After']) reply.header('Retry-After', headers['Retry-After']);
    const values: Record<string, string> = {};
    const fields = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    for (const name of options.keep ?? []) if (typeof fields[name] === 'string') values[name] = fields[name];
    return this.show(
      request,
      reply,
      viewer,
      { ...options.refusedExtras?.(error), flash: null, errors: { [options.section]: errorMessages(error) }, values },
      status,
    );
  }
}

/** The exception's message(s) as the page shows them; a server error never says more than that it failed. */
export function errorMessages(error: HttpException): string[] {
  if (error.getStatus() >= 500) return ['Something went wrong on our side. Please try again.'];
  if (error.getStatus() === 429) {
    const retryAfter = Number((error as HttpException & { headers?: Record<string, string> }).headers?.['Retry-After']);
    return [`Too many attempts. Try again in ${retryAfterInWords(retryAfter > 0 ? retryAfter : 60)}.`];
  }
  const response = error.getResponse();
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String);
  return [typeof message === 'string' ? message : error.message];
}
