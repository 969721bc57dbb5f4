import { type CanActivate, type ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../common/oauth-error.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { clientAddress } from './client-address.js';
import { RATE_LIMITED } from './rate-limit.decorator.js';
import { RATE_LIMIT_STORE, type RateLimitStore } from './rate-limit.storage.js';

/** Per-IP limit: 30 requests a rolling minute per IP on each @RateLimited() route. */
export const RATE_LIMIT = { limit: 30, windowMs: 60_000 };

/**
 * The per-IP limit, on the routes marked @RateLimited(); RATE_LIMIT_ENABLED=false switches it
 * off. The client is `request.ip` (X-Forwarded-For only with TRUST_PROXY; IPv6 per /64), counted
 * per route. A global guard that runs first, so a refused request costs no body validation,
 * token check or database work. (@nestjs/throttler is CommonJS and requires the ESM-only
 * @nestjs/common 12, which the test runner cannot load; this is the part of it Warden needs.)
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const limited = this.reflector.get<boolean | undefined>(RATE_LIMITED, context.getHandler());
    if (!limited || !this.config.rateLimitEnabled) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    // Per route, method included: PUT and DELETE of one path are two routes.
    const route = `${request.method} ${request.routeOptions.url ?? context.getHandler().name}`;
    const key = `${route}|${clientAddress(request.ip)}`;
    const { allowed, retryAfter } = await this.store.hit(key, RATE_LIMIT.windowMs, RATE_LIMIT.limit);
    if (allowed) return true;
    const message = `Too many requests from this address; retry in ${retryAfter} seconds`;
    throw new OAuthError('too_many_requests', message, HttpStatus.TOO_MANY_REQUESTS, {
      'Retry-After': `${retryAfter}`,
    });
  }
}
