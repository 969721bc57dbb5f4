import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { SCOPES } from './auth/scopes.js';

/** /docs and /docs-json, with the OAuth2 password flow wired to /auth/token (like FastAPI's /docs). */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
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
    .build();
  // Built on the first request for /docs or /docs-json, not at start (start to ready ≤ 2 s).
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Warden API',
    swaggerOptions: { persistAuthorization: true },
  });
}
