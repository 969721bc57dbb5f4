import type { ValidationPipeOptions } from '@nestjs/common';

/** The options of the global ValidationPipe (also used where a body is checked before the pipes run). */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
};
