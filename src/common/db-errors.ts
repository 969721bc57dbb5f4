import { QueryFailedError } from 'typeorm';

const UNIQUE_VIOLATION = '23505';

/** True when `error` is a Postgres unique violation (optionally on the named constraint/index). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string; detail?: string; message?: string };
  if (driverError.code !== UNIQUE_VIOLATION) return false;
  if (!constraint) return true;
  return driverError.constraint === constraint || (driverError.message ?? '').includes(constraint);
}
