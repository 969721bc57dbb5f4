import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Public } from '../common/public.decorator.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { faviconSvg, themeCss } from './theme.js';

/** Our files (next to this module; dist/assets beside the bundle, copied by scripts/bundle.mjs). */
export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

const resolver = createRequire(import.meta.url);
/**
 * Files of packages, resolved in node_modules during development; the build copies them into
 * dist/assets, so the bundle does not need the (development) @simplewebauthn/browser package.
 */
const VENDOR: Record<string, () => string> = {
  'pico.classless.min.css': () => resolver.resolve('@picocss/pico/css/pico.classless.min.css'),
  // The package exports only its modules; its browser bundle sits beside them.
  'simplewebauthn-browser.js': () =>
    join(dirname(resolver.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'),
};
const OWN = ['warden.css', 'passkey-button.js', 'account.css', 'account-passkey.js'];

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

function load(name: string): Buffer | null {
  if (OWN.includes(name)) return readFileSync(join(ASSETS_DIR, name));
  const vendor = VENDOR[name];
  if (!vendor) return null;
  const copied = join(ASSETS_DIR, name);
  return readFileSync(existsSync(copied) ? copied : vendor());
}

/** GET /assets/<name>: the pages' stylesheets and scripts, a fixed list, read once. */
@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  private readonly files = new Map<string, Buffer>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.files.set('theme.css', Buffer.from(themeCss(config.ui.primaryColor)));
    this.files.set('favicon.svg', Buffer.from(faviconSvg(config.ui.title, config.ui.primaryColor)));
  }

  @Public()
  @Get(':name')
  async asset(@Param('name') name: string, @Res() reply: FastifyReply): Promise<void> {
    let body = this.files.get(name);
    if (!body) {
      const loaded = load(name);
      if (!loaded) throw new NotFoundException('No such asset');
      body = loaded;
      this.files.set(name, body);
    }
    const type = TYPES[name.slice(name.lastIndexOf('.') + 1)];
    await reply
      .type(type)
      .header('cache-control', 'public, max-age=3600')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  }
}
