import { Controller, Get, Inject, NotFoundException, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from '../common/bearer-token.js';
import { Public } from '../common/public.decorator.js';
import { sameSecret } from '../common/secrets.js';
import { bearerChallenge } from '../common/www-authenticate.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from './metrics.service.js';

/**
 * Prometheus scrape endpoint: not an API route (no JWT, not in Swagger); METRICS_TOKEN guards it
 * when set. In production it does not exist without METRICS_TOKEN: an open /metrics tells anyone
 * the traffic, the error rates and the version of everything.
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly expected?: string;
  private readonly hidden: boolean;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.expected = config.metricsToken || undefined;
    this.hidden = config.isProduction && !config.metricsToken;
  }

  @Get()
  async scrape(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    if (this.hidden) throw new NotFoundException(`Cannot GET ${request.url}`);
    if (this.expected) {
      const token = bearerToken(request);
      if (!token || !sameSecret(token, this.expected)) {
        reply.header('WWW-Authenticate', bearerChallenge(token ? 'invalid_token' : undefined));
        throw new UnauthorizedException('A valid METRICS_TOKEN bearer token is required');
      }
    }
    reply.header('content-type', this.metrics.contentType).header('cache-control', 'no-store');
    return this.metrics.render();
  }
}
