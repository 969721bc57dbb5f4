import 'reflect-metadata';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { WardenAuthModule, type WardenAuthOptions } from '@warden/nestjs';
import { NotesController } from './notes.controller.js';

/** The API: every route needs a Warden access token, checked by introspection, unless @Public(). */
export async function createResourceApi(warden: WardenAuthOptions): Promise<INestApplication> {
  @Module({ imports: [WardenAuthModule.forRoot(warden)], controllers: [NotesController] })
  class ResourceApiModule {}

  return NestFactory.create(ResourceApiModule, new ExpressAdapter(), { logger: ['error', 'warn'] });
}
