import { type CanActivate, type ExecutionContext, Injectable, UnsupportedMediaTypeException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ACCEPTS_FORM } from './form-body.decorator.js';

const FORM = 'application/x-www-form-urlencoded';

/**
 * Fastify already answers 415 for content types it has no parser for; this guard adds the
 * contract's rule that a form body is only accepted by the routes marked @AcceptsForm().
 */
@Injectable()
export class ContentTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
    if (type !== FORM) return true;
    const acceptsForm = this.reflector.getAllAndOverride<boolean>(ACCEPTS_FORM, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!acceptsForm) throw new UnsupportedMediaTypeException('This endpoint accepts application/json only');
    return true;
  }
}
