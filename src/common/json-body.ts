import { BadRequestException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';

/** Far deeper than any request of the API (2 levels), far shallower than what overflows the stack. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x7b, 0x5b]);
const CLOSERS = new Set([0x7d, 0x5d]);

/** True when the JSON text nests objects/arrays deeper than `max` (string contents ignored). */
export function nestsDeeperThan(body: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (OPENERS.has(byte)) {
      if (++depth > max) return true;
    } else if (CLOSERS.has(byte)) depth--;
  }
  return false;
}

/**
 * Fastify's JSON parser (with its `__proto__`/`constructor` poisoning checks) behind a nesting
 * limit (400), found by the fuzz suite as a 500 on every route with a body: a 64 KiB body of
 * `[[[[…` parses, but the validation pipe (class-transformer) walks it recursively and
 * overflows the stack.
 */
export function limitJsonDepth(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<Server>(
    'application/json',
    { bodyLimit: fastify.initialConfig.bodyLimit },
    (request, body, done) => {
      if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
        done(new BadRequestException(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
        return;
      }
      // Fastify's default parser answers through the callback (its return value is nothing).
      void parse(request, body.toString('utf8'), done);
    },
  );
}
