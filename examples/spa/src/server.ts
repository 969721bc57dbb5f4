import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const APP = fileURLToPath(new URL('../app/app.ts', import.meta.url));
const CLIENT_SOURCES = fileURLToPath(new URL('../../../packages/client/src/index.ts', import.meta.url));

export interface SpaServerOptions {
  /** Warden's base URL; the page's origin must be in its CORS_ORIGINS. */
  wardenUrl: string;
  port?: number;
  host?: string;
}

export interface SpaServer {
  url: string;
  close(): Promise<void>;
}

/** `@warden/client` from its sources, so that the example needs no build of the package. */
const clientFromSources: Plugin = {
  name: 'warden-client-sources',
  setup(b) {
    b.onResolve({ filter: /^@warden\/client$/ }, () => ({ path: CLIENT_SOURCES }));
  },
};

/** The page's script: app/app.ts with @warden/client and openapi-fetch, as one ES module. */
export async function bundleApp(): Promise<string> {
  const result = await build({
    entryPoints: [APP],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [clientFromSources],
  });
  return result.outputFiles[0].text;
}

const escapeAttribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Serves the page, its script and its stylesheet. The Content-Security-Policy lets the page talk
 * to Warden and load nothing else.
 */
export async function startSpaServer(options: SpaServerOptions): Promise<SpaServer> {
  const wardenOrigin = new URL(options.wardenUrl).origin;
  const template = await readFile(new URL('../public/index.html', import.meta.url), 'utf8');
  const files: Record<string, { type: string; body: string }> = {
    '/': {
      type: 'text/html; charset=utf-8',
      body: template.replace('%WARDEN_URL%', escapeAttribute(options.wardenUrl.replace(/\/+$/, ''))),
    },
    '/app.js': { type: 'text/javascript; charset=utf-8', body: await bundleApp() },
    '/app.css': {
      type: 'text/css; charset=utf-8',
      body: await readFile(new URL('../public/app.css', import.meta.url), 'utf8'),
    },
  };
  const securityHeaders = {
    'content-security-policy':
      `default-src 'none'; script-src 'self'; style-src 'self'; connect-src ${wardenOrigin}; ` +
      "form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'cache-control': 'no-cache',
  };

  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://localhost').pathname];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', ...securityHeaders }).end();
    } else if (!file) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...securityHeaders }).end('Not found');
    } else {
      response.writeHead(200, { 'content-type': file.type, ...securityHeaders });
      response.end(request.method === 'HEAD' ? undefined : file.body);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
