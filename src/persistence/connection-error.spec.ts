import { QueryFailedError } from 'typeorm';
import { isConnectionError } from './connection-error';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('isConnectionError', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['a server restart (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['a crash shutdown (57P02)', withCode('57P02')],
    ['a server starting up (57P03)', withCode('57P03')],
    ['a connection exception (class 08)', withCode('08006')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
    [
      'a client that lost its connection',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['TypeORM wrapping a reset', new QueryFailedError('SELECT 1', [], withCode('ECONNRESET'))],
    ['a cause', new Error('wrapped', { cause: withCode('ECONNREFUSED') })],
    ['several addresses refused', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')])],
  ])('counts %s', (_, error) => expect(isConnectionError(error)).toBe(true));

  it.each([
    ['a unique violation', withCode('23505', 'duplicate key value')],
    ['a syntax error', withCode('42601')],
    ['a value too long', new QueryFailedError('INSERT', [], withCode('22001', 'value too long'))],
    ['a plain error', new Error('something else')],
    ['nothing', undefined],
    ['a string', 'Connection terminated'],
  ])('does not count %s', (_, error) => expect(isConnectionError(error)).toBe(false));
});
