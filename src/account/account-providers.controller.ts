import { Body, Controller, Inject, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientInfo } from '../common/client-info.js';
import { AcceptsForm } from '../common/form-body.decorator.js';
import { Public } from '../common/public.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { bindBrowser } from '../federation/federation-cookie.js';
import { FederationFailure } from '../federation/federation-errors.js';
import { FederationService } from '../federation/federation.service.js';
import { PageExceptionFilter } from '../pages/page-exception.filter.js';
import { AccountPage } from './account-page.js';

/** The linked-accounts forms of /account: link (off to the provider) and unlink (docs/federation.md). */
@ApiExcludeController()
@UseFilters(PageExceptionFilter)
@Public()
@Controller('account/providers')
export class AccountProvidersController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly page: AccountPage,
    private readonly federation: FederationService,
  ) {}

  @AcceptsForm()
  @Post(':provider/link')
  link(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('provider') providerId: string,
    @Body() body: unknown,
  ): Promise<void> {
    return this.page.action(request, reply, body, { section: 'providers' }, async (viewer) => {
      const provider = this.federation.provider(providerId);
      await this.federation.assertNotLinked(viewer.user.id, provider.id);
      const binding = bindBrowser(request, reply, this.config);
      try {
        return { redirect: await this.federation.start(provider, binding, '/account', viewer.user.id) };
      } catch (error) {
        if (error instanceof FederationFailure) throw this.federation.unavailable();
        throw error;
      }
    });
  }

  @AcceptsForm()
  @Post(':provider/unlink')
  unlink(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('provider') providerId: string,
    @Body() body: unknown,
  ): Promise<void> {
    return this.page.action(request, reply, body, { section: 'providers' }, async (viewer) => {
      await this.federation.unlink(viewer.user.id, providerId, viewer.sessionId, clientInfo(request));
      return 'provider_unlinked';
    });
  }
}
