import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './db-errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a connection cut mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool wait that timed out', new Error('timeout exceeded when trying to connect')],
    ['a connect that timed out', new Error('Connection terminated due to connection timeout')],
    ['a query the network never answered', new Error('Query read timeout')],
    [
      'our statement_timeout',
      new QueryFailedError('SELECT 1', [], withCode('canceling statement due to statement timeout', '57014')),
    ],
    [
      'a server shutting down',
      new QueryFailedError('SELECT 1', [], withCode('terminating connection due to administrator command', '57P01')),
    ],
    ['a server starting up', withCode('the database system is starting up', '57P03')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['a connection exception', withCode('connection failure', '08006')],
    ['a DataSource already destroyed', Object.assign(new Error('x'), { name: 'CannotExecuteNotConnectedError' })],
    ['several refused addresses', new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')])],
  ])('is true for %s', (_case, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], withCode('duplicate key', '23505'))],
    ['a syntax error', new QueryFailedError('SELEC', [], withCode('syntax error', '42601'))],
    ['a programming error', new TypeError('x is not a function')],
    ['a non-error', 'Connection terminated'],
  ])('is false for %s', (_case, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
