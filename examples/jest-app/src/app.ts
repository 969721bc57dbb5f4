import 'reflect-metadata';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { WardenAuthModule, type WardenAuthOptions } from '@warden/nestjs';
import { AccountsController } from './accounts.controller.js';

/** The app: every route needs a Warden access token, checked by introspection, unless @Public(). */
export async function createApp(warden: WardenAuthOptions): Promise<INestApplication> {
  @Module({ imports: [WardenAuthModule.forRoot(warden)], controllers: [AccountsController] })
  class AppModule {}

  return NestFactory.create(AppModule, new ExpressAdapter(), { logger: ['error', 'warn'] });
}

/** Introspection against Warden at `url`; the answers are not cached, so a logout counts on the next request. */
export function wardenOptions(url: string, issuer: string, secret: string, audience = 'warden'): WardenAuthOptions {
  return {
    issuer,
    audience,
    mode: 'introspect',
    introspection: { url: `${url}/auth/introspect`, secret, cacheTtlSeconds: 0 },
  };
}
