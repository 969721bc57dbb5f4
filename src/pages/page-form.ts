import { BadRequestException, HttpException, ValidationPipe } from '@nestjs/common';
import { VALIDATION_OPTIONS } from '../common/validation.js';
import { formField } from './page-cookies.js';

const validation = new ValidationPipe(VALIDATION_OPTIONS);

/** A form's fields as the API's DTO (the same rules, the same messages), or the messages to show. */
export async function formAs<T extends object>(
  body: unknown,
  dto: new () => T,
  fields: string[],
): Promise<{ value: T; errors?: undefined } | { value?: undefined; errors: string[] }> {
  const input: Record<string, string> = {};
  for (const name of fields) {
    const value = formField(body, name);
    if (value !== undefined && value !== '') input[name] = value;
  }
  try {
    return { value: (await validation.transform(input, { type: 'body', metatype: dto })) as T };
  } catch (error) {
    if (error instanceof BadRequestException) return { errors: messagesOf(error) };
    throw error;
  }
}

/** The messages of a 4xx the services threw, as sentences for the page. */
export function messagesOf(error: HttpException): string[] {
  const response = error.getResponse();
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const list = Array.isArray(message) ? message.map(String) : [typeof message === 'string' ? message : error.message];
  return list.map((m) => {
    const sentence = m.charAt(0).toUpperCase() + m.slice(1);
    return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
  });
}

/** A refusal the page shows on its form (4xx from a service), or null for anything else. */
export function formRefusal(error: unknown): { status: number; errors: string[] } | null {
  if (
    error instanceof HttpException &&
    error.getStatus() >= 400 &&
    error.getStatus() < 500 &&
    error.getStatus() !== 429
  ) {
    return { status: error.getStatus(), errors: messagesOf(error) };
  }
  return null;
}
