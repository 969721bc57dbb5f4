import { BadRequestException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** U+0000, or a surrogate that is not half of a pair: not text Postgres or validator.js can take. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when any string (key or value, at any depth) of a parsed body or query is unstorable. */
export function hasUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (value === null || typeof value !== 'object') return false;
  for (const [key, item] of Object.entries(value)) {
    if (UNSTORABLE.test(key) || hasUnstorableText(item)) return true;
  }
  return false;
}

/**
 * Refuses (400) a body, query or path parameter holding NUL or a lone surrogate, before any
 * guard, pipe or service sees it. Both were found by the fuzz suite as 500s: Postgres refuses
 * NUL in text ("invalid byte sequence"), so a NUL in a login name or display name failed the
 * query; a lone surrogate (`"\ud800"`, valid JSON) made validator.js's isEmail throw (encodeURI).
 * The error goes through Nest's exception layer, so it has the contract's error shape.
 */
export function rejectUnstorableText(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preValidation', (request, _reply, done) => {
      if ([request.body, request.query, request.params].some(hasUnstorableText)) {
        done(new BadRequestException('The request holds text that is not valid (NUL or an unpaired surrogate)'));
        return;
      }
      done();
    });
}
