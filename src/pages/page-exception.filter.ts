import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../common/db-errors.js';
import { OAuthError } from '../common/oauth-error.js';
import { PageRenderer } from './page-renderer.js';
import { retryAfterInWords } from './retry-after.js';

const TITLES: Record<number, string> = {
  400: 'Something is missing',
  403: 'Request refused',
  404: 'Page not found',
  415: 'Unsupported form',
  429: 'Too many attempts',
  503: 'Temporarily unavailable',
};

/**
 * The errors of a page route (a guard's refusal, a bad form, an unexpected failure) as a page
 * with the right status, never the API's JSON and never a stack trace: 5xx pages say nothing
 * about the cause, which is logged with the request id.
 */
@Catch()
export class PageExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Pages');

  constructor(private readonly pages: PageRenderer) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let status = 500;
    let message = 'Something went wrong on our side. Please try again in a moment.';
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const headers = (exception as HttpException & { headers?: Record<string, string> }).headers ?? {};
      const retryAfter = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
      if (retryAfter) reply.header('retry-after', retryAfter);
      if (status < 500) message = exception instanceof OAuthError ? exception.description : messageOf(exception);
      if (status === 429) {
        message = `Too many attempts from your network. Try again in ${retryAfterInWords(Number(retryAfter ?? 60))}.`;
      } else if (status === 503) {
        message = 'Signing in is temporarily unavailable. Try again in a few seconds.';
      }
    } else if (isDatabaseUnavailable(exception)) {
      status = 503;
      reply.header('retry-after', '5');
      message = 'Signing in is temporarily unavailable. Try again in a few seconds.';
    }
    if (status >= 500 && status !== 503) {
      this.logger.error({ request_id: String(request.id), err: exception }, 'Unhandled error on a page');
    }
    await this.pages.render(reply, 'error', { title: TITLES[status] ?? 'Something went wrong', message }, status);
  }
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('. ');
  return exception.message;
}
