import 'reflect-metadata';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CurrentPrincipal, Public, RequireAal, Roles, Scopes } from '../../src/decorators.js';
import type { WardenAuthOptions } from '../../src/options.js';
import type { WardenPrincipal } from '../../src/principal.js';
import { WardenAuthModule } from '../../src/warden-auth.module.js';

export type AdapterName = 'express' | 'fastify';

@Controller()
class ResourceController {
  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }

  @Get('me')
  me(@CurrentPrincipal() principal: WardenPrincipal) {
    return { sub: principal.sub, scopes: principal.scopes, acr: principal.acr };
  }

  @Scopes('users:read')
  @Get('reports')
  reports() {
    return { reports: [] };
  }

  @Roles('admin')
  @Get('admin')
  admin() {
    return { admin: true };
  }

  @RequireAal('aal2')
  @Get('step-up')
  stepUp() {
    return { stepped_up: true };
  }
}

export interface ResourceApp {
  url: string;
  close(): Promise<void>;
}

/** A small resource server protected by the module, on the Express or the Fastify adapter. */
export async function startResource(adapter: AdapterName, options: WardenAuthOptions): Promise<ResourceApp> {
  @Module({ imports: [WardenAuthModule.forRoot(options)], controllers: [ResourceController] })
  class ResourceModule {}

  const app: INestApplication =
    adapter === 'express'
      ? await NestFactory.create(ResourceModule, new ExpressAdapter(), { logger: false })
      : await NestFactory.create(ResourceModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
