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

/** Socket-level failures reaching the database. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that mean "the database cannot serve right now", not "the request is wrong":
 * class 08 (connection exception), 53300 too_many_connections, 57014 query_canceled (our
 * statement_timeout), 57P01-57P03 (shutdown, crash, not accepting connections yet).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|53300|57014|57P0[123])$/;

/** What pg, pg-pool and TypeORM say when the connection is gone, refused or too slow. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end|Connection is not established|connection is closed/i;

/** True when `error` says the database (or the way to it) is down or overloaded: answer 503, not 500. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 3) return false;
  const { code, message, name, driverError, cause } = error as {
    code?: unknown;
    message?: unknown;
    name?: unknown;
    driverError?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  if (name === 'CannotExecuteNotConnectedError' || name === 'ConnectionIsNotSetError') return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(driverError, depth + 1) || isDatabaseUnavailable(cause, depth + 1);
}
