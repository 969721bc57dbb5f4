import { type ClassConstructor, plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';

/** The page's own fields, which no DTO knows: the CSRF token and the submit button's name. */
const PAGE_FIELDS = new Set(['_csrf']);

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

function messages(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => [...Object.values(e.constraints ?? {}), ...messages(e.children ?? [])]);
}

/**
 * Checks a posted form against the API's DTO for the same action (same rules, same messages),
 * minus the page's own fields. Unknown fields are refused as the API refuses them.
 */
export async function parseForm<T extends object>(dto: ClassConstructor<T>, body: unknown): Promise<FormResult<T>> {
  const fields: Record<string, unknown> = {};
  if (body !== null && typeof body === 'object') {
    for (const [name, value] of Object.entries(body)) if (!PAGE_FIELDS.has(name)) fields[name] = value;
  }
  const value = plainToInstance(dto, fields);
  const errors = await validate(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  return errors.length ? { ok: false, errors: messages(errors) } : { ok: true, value };
}

/** One text field of a form body ('' when missing or not a string). */
export function field(body: unknown, name: string): string {
  const value = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}
