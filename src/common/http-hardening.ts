import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../config/app-config.js';

/**
 * Transport limits for the Fastify server. requestTimeout: the whole request (headers and body)
 * must arrive within 30 s, which ends slow-loris clients. keepAliveTimeout stays longer than
 * common load-balancer idle timeouts (60 s), so the balancer never reuses a socket we are
 * closing; connectionTimeout (socket inactivity) is above it so idle keep-alives close cleanly.
 */
export const SERVER_TIMEOUTS = { requestTimeout: 30_000, keepAliveTimeout: 72_000, connectionTimeout: 80_000 };
/** Node's default (60 s) would outlast requestTimeout; the headers get the same 30 s. */
const HEADERS_TIMEOUT_MS = SERVER_TIMEOUTS.requestTimeout;

/** JSON answers are never documents: nothing may load or frame them (OWASP REST Security). */
const API_CSP = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/**
 * Swagger UI at /docs and ReDoc at /redoc: their scripts and stylesheets are files of our own
 * origin; they need inline styles (the page templates, the UI's style attributes, ReDoc's
 * generated style sheets) and data: images (their icons). No inline or foreign script is
 * allowed; their requests (the document, Try it out, Authorize) go to this origin.
 */
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
/** ReDoc also runs its search index in a worker it creates from a blob: URL. */
const REDOC_CSP = `${DOCS_CSP}; worker-src 'self' blob:`;

const docsPage = (url: string) => /^\/(docs|redoc)(\/|\?|$)/.exec(url)?.[1];

/**
 * The headers helmet sets for these options, computed once. They are the same for every
 * response, but @fastify/helmet rebuilds helmet's middleware and re-serialises the CSP on each
 * request (a noticeable share of an authenticated read's CPU); helmet stays the authority
 * on what to send, it is just asked once.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error('helmet refused the options', { cause: error });
  });
  return headers;
}

/** Security headers (helmet's, see above) for every response, with the /docs exception above; the headers timeout. */
export function registerSecurityHeaders(app: NestFastifyApplication, config: AppConfig): void {
  const headers = securityHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    // HSTS only where it means something: a browser ignores it over plain http, and sending it
    // from a development http://localhost would only confuse.
    strictTransportSecurity: config.appUrl.startsWith('https:')
      ? { maxAge: 31_536_000, includeSubDomains: true }
      : false,
    xFrameOptions: { action: 'deny' },
  });
  const docsHeaders = { ...headers, 'content-security-policy': DOCS_CSP };
  const redocHeaders = { ...headers, 'content-security-policy': REDOC_CSP };
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    const page = docsPage(request.url);
    reply.headers(page === 'docs' ? docsHeaders : page === 'redoc' ? redocHeaders : headers);
    done();
  });
  fastify.server.headersTimeout = HEADERS_TIMEOUT_MS;
}
