import fastifyView from '@fastify/view';
import { Inject, Injectable } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Eta } from 'eta';
import type { FastifyReply } from 'fastify';
import { fileURLToPath } from 'node:url';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { pageHeaders } from './page-headers.js';

/**
 * The templates, next to this module: src/pages/views in development and tests, dist/views beside
 * the production bundle (scripts/bundle.mjs copies them there).
 */
export const VIEWS_DIR = fileURLToPath(new URL('./views/', import.meta.url));
const LAYOUT = 'layout.eta';

/** @fastify/view with Eta (escaping `<%= %>` by default), one layout around every page. */
export async function registerPageViews(app: NestFastifyApplication): Promise<void> {
  await app.register(fastifyView, {
    engine: { eta: new Eta({ autoEscape: true, useWith: false }) },
    templates: VIEWS_DIR,
    layout: LAYOUT,
    // Templates are read once and kept, whatever NODE_ENV says.
    production: true,
  });
}

/** What every page's template gets beside its own data. */
export interface PageContext {
  ui: { title: string; year: number };
  /** The page's own heading and <title> prefix. */
  title: string;
}

/** A page's own data: its title and whatever its template reads. */
export type PageData = { title: string } & Record<string, unknown>;

type ViewReply = FastifyReply & { viewAsync(page: string, data: object): Promise<string> };

/** Renders a page: the layout, the page's headers (CSP, no framing, no-store) and its status. */
@Injectable()
export class PageRenderer {
  private readonly headers: Record<string, string>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.headers = pageHeaders(config);
  }

  async render(reply: FastifyReply, view: string, data: PageData, status = 200): Promise<void> {
    const context: PageContext = { ...data, ui: { title: this.config.ui.title, year: new Date().getFullYear() } };
    const html = await (reply as ViewReply).viewAsync(`${view}.eta`, context);
    this.withPageHeaders(reply);
    await reply.status(status).type('text/html; charset=utf-8').send(html);
  }

  /** A redirect from a page (after a POST: 303, so the browser follows with GET). */
  async redirect(reply: FastifyReply, location: string, status: 302 | 303 = 303): Promise<void> {
    this.withPageHeaders(reply);
    await reply.redirect(location, status);
  }

  withPageHeaders(reply: FastifyReply): void {
    reply.headers(this.headers);
  }
}
