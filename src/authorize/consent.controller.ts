import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OIDC_SCOPES, SCOPES } from '../auth/scopes.js';
import { ClientsService } from '../clients/clients.service.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { Public } from '../common/public.decorator.js';
import { BrowserSessionService } from '../pages/browser-session.service.js';
import { PageCsrf } from '../pages/page-csrf.js';
import { PageRenderer } from '../pages/page-renderer.js';
import { sendOutcome } from './authorize.controller.js';
import { AuthorizeService, CONSENT_PATH } from './authorize.service.js';
import { ConsentsService } from './consents.service.js';

const GONE = 'This request has expired or was already answered. Go back to the application and sign in again.';

/** What a scope lets the application do, in words. */
export function scopeText(scope: string): string {
  return SCOPES[scope] ?? OIDC_SCOPES[scope] ?? scope;
}

function field(body: unknown, name: string): string {
  const value = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

/** The consent page of a non-first-party client: the client, the scopes in words, Allow or Deny. */
@ApiExcludeController()
@Public()
@Controller()
export class ConsentController {
  constructor(
    private readonly authorize: AuthorizeService,
    private readonly consents: ConsentsService,
    private readonly clients: ClientsService,
    private readonly browserSessions: BrowserSessionService,
    private readonly pages: PageRenderer,
    private readonly csrf: PageCsrf,
  ) {}

  @Get('consent')
  async show(
    @Query('request') requestId: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const id = typeof requestId === 'string' ? requestId : '';
    const session = await this.browserSessions.current(request);
    if (!session) {
      const returnTo = `${CONSENT_PATH}?${new URLSearchParams({ request: id }).toString()}`;
      await reply
        .status(302)
        .header('Location', `/login?${new URLSearchParams({ return_to: returnTo }).toString()}`)
        .send();
      return;
    }
    const params = await this.consents.pending(id, session.user.id);
    const client = params ? await this.clients.find(params.clientId) : null;
    if (!params || !client) {
      await this.pages.render(reply, 'error', { title: 'This request has expired', message: GONE }, 400);
      return;
    }
    const scopes = (params.scope ?? '').split(' ').filter(Boolean);
    await this.pages.render(reply, 'consent', {
      title: `Allow ${client.name}?`,
      clientName: client.name,
      redirectHost: hostOf(params.redirectUri),
      email: session.user.email,
      scopes: scopes.map((scope) => ({ scope, text: scopeText(scope) })),
      requestId: id,
      csrf: this.csrf.token(request, reply),
    });
  }

  @AcceptsForm()
  @Post('consent')
  async answer(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.csrf.check(request, body);
    const decision = field(body, 'decision');
    const id = field(body, 'request');
    const session = await this.browserSessions.current(request);
    if (!session || (decision !== 'allow' && decision !== 'deny')) {
      await this.pages.render(reply, 'error', { title: 'This request has expired', message: GONE }, 400);
      return;
    }
    const outcome = await this.authorize.answerConsent(id, decision === 'allow', session);
    if (!outcome) {
      await this.pages.render(reply, 'error', { title: 'This request has expired', message: GONE }, 400);
      return;
    }
    await sendOutcome(this.pages, reply, outcome);
  }
}

function hostOf(uri: string): string {
  try {
    const url = new URL(uri);
    // The host the user recognises; a loopback redirect's port changes with every run of a native app.
    return url.hostname || url.protocol.replace(/:$/, '');
  } catch {
    return uri;
  }
}
