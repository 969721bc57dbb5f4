import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { Public } from '../common/public.decorator.js';
import { BrowserSessionService } from '../pages/browser-session.service.js';
import { PageRenderer } from '../pages/page-renderer.js';
import type { RawParams } from './authorize-request.js';
import { type AuthorizeOutcome, AuthorizeService } from './authorize.service.js';

/**
 * The authorization endpoint: GET and the form POST answer alike (OIDC Core 3.1.2.1). It answers
 * HTML and redirects, not JSON, so it is described in docs/oauth-provider.md instead of OpenAPI.
 */
@ApiExcludeController()
@Public()
@Controller('oauth')
export class AuthorizeController {
  constructor(
    private readonly authorize: AuthorizeService,
    private readonly browserSessions: BrowserSessionService,
    private readonly pages: PageRenderer,
  ) {}

  @Get('authorize')
  async get(@Query() query: RawParams, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.answer(query, request, reply);
  }

  @AcceptsForm()
  @Post('authorize')
  async post(@Body() body: RawParams, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.answer(body ?? {}, request, reply);
  }

  private async answer(raw: RawParams, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const session = await this.browserSessions.current(request);
    await sendOutcome(this.pages, reply, await this.authorize.authorize(raw, session));
  }
}

/** A 400 page (never a redirect to an unverified target) or a 302 that no cache keeps. */
export async function sendOutcome(pages: PageRenderer, reply: FastifyReply, outcome: AuthorizeOutcome): Promise<void> {
  if (outcome.kind === 'page') {
    await pages.render(reply, 'error', { title: 'This sign-in request cannot be used', message: outcome.message }, 400);
    return;
  }
  await reply.status(302).header('Cache-Control', 'no-store').header('Location', outcome.location).send();
}
