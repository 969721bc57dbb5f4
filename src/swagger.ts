import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SCOPES } from './auth/scopes.js';
import { addCommonErrorResponses } from './openapi-errors.js';

/** ReDoc's self-contained bundle, served from this origin (no CDN: the docs CSP allows only 'self'). */
export const REDOC_SCRIPT_PATH = '/redoc/redoc.standalone.js';
/**
 * The one foreign URL in the bundle: the sidebar's "API docs by Redocly" logo, fetched from a CDN
 * with no option to turn it off. It becomes an empty data: URL, which the component already
 * handles (a failed image is hidden), so the page loads nothing from elsewhere.
 */
const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

function readRedocScript(): Buffer {
  // Resolved from this module: found from src/ and from the bundle in dist/ alike.
  const source = readFileSync(createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js'), 'utf8');
  return Buffer.from(source.replaceAll(REDOC_CDN_LOGO, 'data:,'));
}

const REDOC_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Warden API – ReDoc</title>
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="${REDOC_SCRIPT_PATH}"></script>
</body>
</html>
`;

function buildConfig() {
  return (
    new DocumentBuilder()
      .setTitle('Warden')
      .setDescription(
        'Self-hosted authentication: registration, OAuth2 password and refresh grants, sessions, accounts and administration. ' +
          'Use **Authorize** with your email (or username) and password; leave client id and secret empty.',
      )
      .setVersion('1')
      .addOAuth2({ type: 'oauth2', flows: { password: { tokenUrl: '/auth/token', scopes: SCOPES } } }, 'oauth2')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      // Browsers: POST /auth/login sets the HttpOnly access_token cookie; the browser then sends it
      // with Swagger UI's requests too (scripts cannot set a Cookie header, so the dialog cannot).
      .addCookieAuth('access_token', { type: 'apiKey', in: 'cookie', name: 'access_token' }, 'cookie')
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'INTROSPECTION_SECRET',
          description: 'The INTROSPECTION_SECRET, for POST /auth/introspect only',
        },
        'introspection',
      )
      .build()
  );
}

/**
 * /docs (Swagger UI) and /docs-json, with the OAuth2 password flow wired to /auth/token (like
 * FastAPI's /docs); FastAPI's other two URLs, /openapi.json (the same document) and /redoc.
 * (`GET /` belongs to the hosted pages: src/pages/login-page.controller.ts.)
 */
export function setupSwagger(app: INestApplication): void {
  // Built on the first request for a docs URL, not at start (start to ready ≤ 2 s), then kept.
  let document: OpenAPIObject | undefined;
  const getDocument = () => (document ??= addCommonErrorResponses(SwaggerModule.createDocument(app, buildConfig())));
  SwaggerModule.setup('docs', app, getDocument, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Warden API',
    swaggerOptions: { persistAuthorization: true },
  });

  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
  fastify.get('/openapi.json', (_request, reply) => {
    void reply.type('application/json; charset=utf-8').send(getDocument());
  });
  fastify.get('/redoc', (_request, reply) => {
    void reply.type('text/html; charset=utf-8').send(REDOC_PAGE);
  });
  let redocScript: Buffer | undefined;
  fastify.get(REDOC_SCRIPT_PATH, (_request, reply) => {
    redocScript ??= readRedocScript();
    void reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(redocScript);
  });
}
